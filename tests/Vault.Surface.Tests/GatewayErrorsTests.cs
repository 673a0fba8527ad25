extern alias gateway;

using gateway::Vault.Gateway;
using Grpc.Core;
using Vault.Storage;

namespace Vault.Surface.Tests;

public sealed class GatewayErrorsTests
{
    public static TheoryData<Exception, StatusCode, bool> Cases => new()
    {
        { new SnapshotNotFoundException("no snapshot 'abc'"), StatusCode.NotFound, true },
        { new JobNotFoundException("no job"), StatusCode.NotFound, true },
        { new NotFoundException("no path"), StatusCode.NotFound, true },
        { new AmbiguousSnapshotException("'a' matches 2"), StatusCode.InvalidArgument, true },
        { new InvalidRequestException("path must be absolute"), StatusCode.InvalidArgument, true },
        { new InvalidTreeException("bad name"), StatusCode.DataLoss, true },
        { new InvalidConfigurationException("bad key"), StatusCode.InvalidArgument, true },
        { new FormatException("'x' is not a job id"), StatusCode.InvalidArgument, true },
        { new CorruptDataException("pack 12 hash mismatch"), StatusCode.DataLoss, true },
        { new DataCorruptionException("chunk 3 in pack 12: tag mismatch"), StatusCode.DataLoss, true },
        { new IndexRestartedException("index partition 7 restarted"), StatusCode.Aborted, true },
        { new WrongPasswordException("wrong password"), StatusCode.FailedPrecondition, true },
        { new PasswordRejectedException("wrong password"), StatusCode.FailedPrecondition, true },
        { new ReplicationException("pack 12 is on 1 node; the write quorum is 2"), StatusCode.Unavailable, true },
        { new NodeUnavailableException("node 'b' left the cluster"), StatusCode.Unavailable, true },
        { new JobInterruptedException("the node stopped"), StatusCode.Aborted, true },
        { new Orleans.Runtime.SiloUnavailableException("silo S127.0.0.1:0xdeadbeef is dead"), StatusCode.Unavailable, false },
        { new OperationCanceledException(), StatusCode.Cancelled, false },
        { new TaskCanceledException(), StatusCode.Cancelled, false },
        { new InvalidOperationException("secret internals at 0xdeadbeef"), StatusCode.Internal, false },
        { new NullReferenceException(), StatusCode.Internal, false },
        { new ArgumentException("parameter x at 0xdeadbeef"), StatusCode.Internal, false },
        { new AggregateException(new CorruptDataException("chunk 7 bad")), StatusCode.DataLoss, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MapsExceptionToStatus(Exception exception, StatusCode expected, bool messageReturned)
    {
        var (status, _) = GatewayErrors.ToStatus(exception);

        Assert.Equal(expected, status.StatusCode);
        var inner = exception is AggregateException a ? a.InnerExceptions[0] : exception;
        if (messageReturned)
        {
            Assert.Equal(inner.Message, status.Detail);
        }
        else
        {
            Assert.DoesNotContain("0xdeadbeef", status.Detail);
        }
    }

    [Fact]
    public void OnlyUnexpectedFailuresAreLoggedAsErrors()
    {
        Assert.True(GatewayErrors.ToStatus(new InvalidOperationException("x")).Unexpected);
        Assert.False(GatewayErrors.ToStatus(new SnapshotNotFoundException("x")).Unexpected);
        Assert.Equal(GatewayErrors.InternalMessage, GatewayErrors.ToStatus(new InvalidOperationException("x")).Status.Detail);
    }
}
