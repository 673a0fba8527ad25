namespace Vault.Notifications;

public enum ChannelType
{
    Slack = 1,
    PagerDuty = 2,
    Smtp = 3,
    Webhook = 4,
}
