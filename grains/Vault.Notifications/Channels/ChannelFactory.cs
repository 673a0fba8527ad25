namespace Vault.Notifications;

/// <summary>Builds the configured channels (one implementation per product, chosen by Type).</summary>
public static class ChannelFactory
{
    public const string HttpClientName = "vault-notifications";

    public static INotificationChannel Create(string name, ChannelOptions options, HttpClient http, NotificationContext context, TimeProvider time) => options.Type switch
    {
        ChannelType.Slack => new SlackChannel(name, options, http, context),
        ChannelType.PagerDuty => new PagerDutyChannel(name, options, http, context),
        ChannelType.Smtp => new SmtpChannel(name, options, context),
        ChannelType.Webhook => new WebhookChannel(name, options, http, context, time),
        _ => throw new NotificationConfigurationException($"{NotificationOptions.Section}:Channels:{name}:Type is '{options.Type}'; must be Slack, PagerDuty, Smtp or Webhook"),
    };
}
