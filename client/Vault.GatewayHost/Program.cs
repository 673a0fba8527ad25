using Vault.GatewayHost;

try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddVaultGatewayHost(args);
    var app = builder.Build();
    app.MapVaultGatewayHost();
    await app.RunAsync();
    return 0;
}
catch (GatewayStartupException e)
{
    Console.Error.WriteLine($"vault-gateway: {e.Message}");
    return 2;
}
