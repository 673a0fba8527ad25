using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Vault.Failover.Tests.Infrastructure;
using Vault.Offsite.Stores;
using Vault.Offsite.Upload;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Offsite.Tests;

[Collection(ObjectStoresCollection.Name)]
public sealed class OffsiteUploaderTests(ObjectStoresFixture fixture)
{
    [Fact]
    public async Task Upload_StoreDownThenBack_LagGrowsThenDrainsInOrder()
    {
        var dataDir = Path.Combine(fixture.Root, "node-" + Guid.NewGuid().ToString("N"));
        var packs = new LocalPackStore(Path.Combine(dataDir, "packs"));
        var port = ObjectStoresFixture.FreePort();
        var options = new OffsiteOptions
        {
            Targets = new() { ["later"] = fixture.Target("s3", "drain", s3Port: port) },
            Concurrency = 2,
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
            LagThreshold = TimeSpan.FromMilliseconds(1),
        };
        var queue = new OffsiteQueue(dataDir, options.Targets.Keys);
        var ids = new List<PackId>();
        for (var i = 0; i < 6; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(300 * 1024);
            var id = PackId.Of(bytes);
            await packs.WriteAsync(id, bytes);
            queue.EnqueuePack(id);
            ids.Add(id);
        }

        queue.EnqueueSnapshot("0192aaaabbbbccccddddeeeeffff0000", "{\"id\":1}"u8.ToArray());

        // A queue opened again (a restarted node) sees the same entries: nothing is lost with the process.
        Assert.Equal(7, new OffsiteQueue(dataDir, options.Targets.Keys).List("later").Count);

        using var stores = OffsiteStores.From(options);
        var lagEvents = new List<OffsiteTargetStatus>();
        var uploader = new OffsiteUploader(queue, stores, options, packs, TimeProvider.System, NullLogger<OffsiteUploader>.Instance);
        uploader.LagChanged += s => { lock (lagEvents) { lagEvents.Add(s); } };
        await uploader.StartAsync(CancellationToken.None);
        await using var server = new ServerHandle();
        try
        {
            var lagging = await Wait.UntilAsync(() => Task.FromResult(uploader.Status().Single()), s => s.LastError is not null && s.Lagging,
                TimeSpan.FromSeconds(30), "the uploader to report the unreachable store", s => s.ToString());
            Assert.Equal(6, lagging.PendingPacks);
            Assert.Equal(6 * 300 * 1024, lagging.PendingBytes);
            Assert.Contains("target 'later'", lagging.LastError);

            server.Server = await ObjectStoreServer.StartAsync("s3", Path.Combine(fixture.Root, "s3-late-" + port), port, ObjectStoresFixture.Bucket);
            var drained = await Wait.UntilAsync(() => Task.FromResult(uploader.Status().Single()), s => s.PendingObjects == 0,
                TimeSpan.FromSeconds(60), "the queue to drain once the store is back", s => s.ToString());
            Assert.Equal(7, drained.UploadedObjects);
            Assert.False(drained.Lagging);
            lock (lagEvents)
            {
                Assert.True(lagEvents.First().Lagging);
                Assert.False(lagEvents.Last().Lagging);
            }

            var store = stores.Get("later");
            foreach (var id in ids)
            {
                Assert.Equal(await packs.ReadAsync(id), await store.GetAsync(OffsiteLayout.Pack(id), CancellationToken.None));
            }

            Assert.NotNull(await store.HeadAsync(OffsiteLayout.Snapshot("0192aaaabbbbccccddddeeeeffff0000"), CancellationToken.None));
        }
        finally
        {
            await uploader.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task WaitUploaded_SynchronousMode_ReturnsOnlyAfterTheStoreHasIt()
    {
        var dataDir = Path.Combine(fixture.Root, "sync-" + Guid.NewGuid().ToString("N"));
        var packs = new LocalPackStore(Path.Combine(dataDir, "packs"));
        var options = new OffsiteOptions { Targets = new() { ["azure"] = fixture.Target("azure", "sync-" + Guid.NewGuid().ToString("N")) }, Required = true };
        var queue = new OffsiteQueue(dataDir, options.Targets.Keys);
        var bytes = RandomNumberGenerator.GetBytes(100 * 1024);
        var id = PackId.Of(bytes);
        await packs.WriteAsync(id, bytes);
        queue.EnqueuePack(id);
        var sequence = queue.EnqueueSnapshot("0192aaaabbbbccccddddeeeeffff0001", "{}"u8.ToArray());

        using var stores = OffsiteStores.From(options);
        var uploader = new OffsiteUploader(queue, stores, options, packs, TimeProvider.System, NullLogger<OffsiteUploader>.Instance);
        await uploader.StartAsync(CancellationToken.None);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await queue.WaitUploadedAsync(sequence, deadline.Token);
            Assert.NotNull(await stores.Get("azure").HeadAsync(OffsiteLayout.Pack(id), CancellationToken.None));
            Assert.NotNull(await stores.Get("azure").HeadAsync(OffsiteLayout.Snapshot("0192aaaabbbbccccddddeeeeffff0001"), CancellationToken.None));
        }
        finally
        {
            await uploader.StopAsync(CancellationToken.None);
        }
    }

    private sealed class ServerHandle : IAsyncDisposable
    {
        public ObjectStoreServer? Server { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
    }
}
