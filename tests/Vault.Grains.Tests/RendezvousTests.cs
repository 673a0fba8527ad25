using System.Security.Cryptography;
using Vault.Grains.Placement;
using Vault.Storage;

namespace Vault.Grains.Tests;

public sealed class RendezvousTests
{
    private static readonly string[] Nodes = ["a", "b", "c", "d", "e"];

    private static PackId Pack(int i) => PackId.Of(BitConverter.GetBytes(i));

    [Fact]
    public void Rank_IsTheSameWhateverTheOrderOfTheRoster()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(Rendezvous.Rank(Pack(i), Nodes), Rendezvous.Rank(Pack(i), Nodes.Reverse()));
        }
    }

    [Fact]
    public void Rank_SpreadsPacksEvenlyOverTheNodes()
    {
        var firsts = Enumerable.Range(0, 5000).GroupBy(i => Rendezvous.Rank(Pack(i), Nodes)[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Nodes.Length, firsts.Count);
        Assert.All(firsts.Values, count => Assert.InRange(count, 800, 1200)); // 1000 expected each
    }

    [Fact]
    public void RemovingANode_MovesOnlyThePacksItOwned()
    {
        const int r = 2;
        var without = Nodes.Where(n => n != "c").ToArray();
        for (var i = 0; i < 2000; i++)
        {
            var before = Rendezvous.Rank(Pack(i), Nodes).Take(r).ToList();
            var after = Rendezvous.Rank(Pack(i), without).Take(r).ToList();
            if (!before.Contains("c"))
            {
                Assert.Equal(before, after);
            }
            else
            {
                // The surviving owner stays; exactly one new owner replaces "c".
                Assert.Single(before.Intersect(after));
                Assert.DoesNotContain("c", after);
            }
        }
    }

    [Fact]
    public void Weight_DependsOnPackAndNode()
    {
        var pack = PackId.Of(RandomNumberGenerator.GetBytes(64));
        Assert.NotEqual(Rendezvous.Weight(pack, "a"), Rendezvous.Weight(pack, "b"));
        Assert.Equal(Rendezvous.Weight(pack, "a"), Rendezvous.Weight(pack, "a"));
    }
}
