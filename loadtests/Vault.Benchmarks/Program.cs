using BenchmarkDotNet.Running;

namespace Vault.Benchmarks;

public static class Program
{
    /// <summary>
    /// Runs the benchmarks chosen on the command line (BenchmarkDotNet switches: --filter, --list, --job, ...).
    /// Without arguments every benchmark runs, so the suite never waits for an interactive choice.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            args = ["--filter", "*"];
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
