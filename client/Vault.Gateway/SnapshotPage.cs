using Vault.Snapshots;

namespace Vault.Gateway;

/// <summary>
/// One page of ListSnapshots: at most the requested count, and never more than <see cref="MaxPageBytes"/> of
/// encoded snapshots, so that a page always fits the gRPC message limit whatever the snapshots carry (a page
/// that would be too large ends early; the next page token continues after it).
/// </summary>
public static class SnapshotPage
{
    public const int MaxPageBytes = 4 * 1024 * 1024;

    /// <summary>Adds snapshots from <paramref name="offset"/> on; returns the offset after the last one added (no overflow near int.MaxValue).</summary>
    public static long Fill(V1.ListSnapshotsResponse response, IReadOnlyList<SnapshotInfo> snapshots, int offset, int size)
    {
        long bytes = 0;
        long next = offset;
        for (var i = (long)offset; i < snapshots.Count && i - offset < size; i++)
        {
            var snapshot = ProtoMapper.ToProto(snapshots[(int)i]);
            var length = snapshot.CalculateSize();
            if (response.Snapshots.Count > 0 && bytes + length > MaxPageBytes)
            {
                break;
            }

            response.Snapshots.Add(snapshot);
            bytes += length;
            next = i + 1;
        }

        return Math.Max(next, offset);
    }
}
