namespace Vault.Offsite.Stores;

/// <summary>An off-site target failed or refused a call; the message names the target, the operation and the key.</summary>
public class OffsiteException(string message, Exception? inner = null) : Exception(message, inner);
