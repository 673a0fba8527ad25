using Vault.Silo.Hosting;
using Vault.Storage;

try
{
    // appsettings.json sits next to the binary, wherever the node is started from.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
