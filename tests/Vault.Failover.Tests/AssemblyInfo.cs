// The drills share two cores with real servers: one test at a time keeps timings meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
