using Orleans;
using Vault.Grains.Schedules;
using Vault.Schedules;

namespace Vault.Silo.Hosting;

/// <summary>
/// Schedules declared in configuration: Vault:Schedules:&lt;name&gt;:Kind, :Node, :Paths:0, :Every (hh:mm:ss)
/// or :Cron, :MaxRetries, :RetryBackoff, :Retention:KeepDaily, :Enabled... A backup schedule without a
/// node backs up this node.
/// </summary>
public sealed class ScheduleSection
{
    public const string Section = ScheduleSpecValidator.Section;

    public IReadOnlyDictionary<string, ScheduleSpec> Schedules { get; private init; } = new Dictionary<string, ScheduleSpec>();

    /// <summary>Binds every schedule; a value of the wrong type or an unknown key fails the start, naming the key.</summary>
    public static ScheduleSection Bind(IConfiguration configuration, string nodeId)
    {
        var schedules = new Dictionary<string, ScheduleSpec>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            var spec = NodeConfiguration.Bind<ScheduleSpec>(configuration, child.Path) with { Name = child.Key };
            if (spec.Kind == ScheduleKind.Backup && string.IsNullOrEmpty(spec.Node))
            {
                spec = spec with { Node = nodeId };
            }

            schedules[child.Key] = spec;
        }

        return new ScheduleSection { Schedules = schedules };
    }

    public IEnumerable<string> Validate() =>
        Schedules.SelectMany(s => ScheduleSpecValidator.Validate(s.Value, $"{Section}:{s.Key}:"));
}

/// <summary>Upserts the configured schedules once the silo runs (idempotent: every silo does it, and an unchanged timing keeps its due time).</summary>
public sealed partial class ScheduleStartup(IGrainFactory grains, ScheduleSection section, ILogger<ScheduleStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, spec) in section.Schedules)
        {
            try
            {
                var info = await grains.GetGrain<IScheduleGrain>(name).PutAsync(spec);
                Applied(logger, name, spec.Kind, info.NextDue);
            }
            catch (Exception e) when (e is VaultException or OrleansException or TimeoutException)
            {
                Failed(logger, name, e.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Name} ({Kind}) from configuration applied; next due {NextDue:o}")]
    private static partial void Applied(ILogger logger, string name, ScheduleKind kind, DateTimeOffset? nextDue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Name} from configuration could not be applied: {Error}")]
    private static partial void Failed(ILogger logger, string name, string error);
}
