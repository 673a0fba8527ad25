using Microsoft.Extensions.Time.Testing;
using Vault.Grains.Replication;

namespace Vault.Grains.Tests;

/// <summary>A node that let a pack store time out is tried last, for a while, then as before.</summary>
public sealed class UnresponsiveNodesTests
{
    [Fact]
    public void SilentNode_IsTriedLastUntilItsTimeRunsOut_OrItAnswers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var nodes = new UnresponsiveNodes(clock);
        Assert.Equal(["a", "b", "c"], nodes.AnsweringFirst(["a", "b", "c"]));

        nodes.Mark("a", TimeSpan.FromSeconds(60));
        Assert.Equal(["b", "c", "a"], nodes.AnsweringFirst(["a", "b", "c"]));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(nodes.IsUnresponsive("a"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["a", "b", "c"], nodes.AnsweringFirst(["a", "b", "c"]));

        nodes.Mark("b", TimeSpan.FromSeconds(60));
        nodes.Answered("b");
        Assert.False(nodes.IsUnresponsive("b"));
    }
}
