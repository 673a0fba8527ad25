using Vault.Cli;

return await VaultCli.RunAsync(args, CliEnvironment.FromConsole());
