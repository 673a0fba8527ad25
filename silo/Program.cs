using Vault.Silo.Hosting;
using Vault.Storage;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddVaultNode(args);
    var app = builder.Build();
    app.MapVaultNode();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is StartupException or StorageException)
{
    Console.Error.WriteLine($"vault-silo: {e.Message.Replace(Environment.NewLine, Environment.NewLine + "vault-silo: ")}");
    return 2;
}
