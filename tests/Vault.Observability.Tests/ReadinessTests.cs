using System.Net;
using System.Text.Json;

namespace Vault.Observability.Tests;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_DataDirectoryReadOnlyThenWritable_FlipsTo503AndBack()
    {
        await using var silo = await SiloProcess.StartAsync("obs-ready");
        var ready = JsonDocument.Parse(await silo.Http.GetStringAsync("/health/ready")).RootElement.GetProperty("checks");
        foreach (var component in new[] { "storage", "disk", "silo", "repository" })
        {
            Assert.Equal("Healthy", ready.GetProperty(component).GetProperty("status").GetString());
        }

        // The tests run as root, and root writes through any permission bits, so chmod proves
        // nothing. A read-only bind mount of the data directory over itself makes the kernel
        // refuse every new write below it with EROFS, for root too — the same error as a disk
        // remounted read-only after I/O errors. Unmounting restores the directory untouched.
        var data = silo.DataDir;
        await Run("mount", "--bind", data, data);
        var mounted = true;
        try
        {
            await Run("mount", "-o", "remount,bind,ro", data);
            var down = await silo.WaitReadinessAsync(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
            var storage = StorageCheck(down);
            Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
            Assert.Contains("not writable", storage.GetProperty("description").GetString(), StringComparison.Ordinal);

            await Run("umount", data);
            mounted = false;
            var up = await silo.WaitReadinessAsync(HttpStatusCode.OK, TimeSpan.FromSeconds(20));
            Assert.Equal("Healthy", StorageCheck(up).GetProperty("status").GetString());
        }
        finally
        {
            if (mounted)
            {
                await Tool.RunAsync("umount", [data]);
            }
        }
    }

    [Fact]
    public async Task Ready_FreeSpaceBelowThreshold_Is503WithDiskUnhealthy()
    {
        // A threshold above any real disk: the disk component must fail, the others stay healthy.
        await using var silo = await SiloProcess.StartAsync("obs-disk", HttpStatusCode.ServiceUnavailable, "--Vault:Health:MinFreeBytes=" + (1L << 60));
        using var response = await silo.Http.GetAsync("/health/ready");
        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", checks.GetProperty("disk").GetProperty("status").GetString());
        Assert.Equal(1L << 60, checks.GetProperty("disk").GetProperty("data").GetProperty("minFreeBytes").GetInt64());
        Assert.Equal("Healthy", checks.GetProperty("storage").GetProperty("status").GetString());
    }

    private static JsonElement StorageCheck(string statusAndBody) =>
        JsonDocument.Parse(statusAndBody[(statusAndBody.IndexOf(' ', StringComparison.Ordinal) + 1)..]).RootElement.GetProperty("checks").GetProperty("storage");

    private static async Task Run(string file, params string[] args)
    {
        var r = await Tool.RunAsync(file, args);
        Assert.True(r.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {r.ExitCode}: {r.Error}");
    }
}
