// Cluster mode keeps the password-wrapped master key in PostgreSQL (vault_repository.key_file);
// every node installs it in its data directory and replaces a stale copy at start. A password
// change re-wraps the database's copy under the repository advisory lock (so two changes, or a
// change and a node creating the repository, never interleave), then refreshes this node's copy.
using Npgsql;
using Vault.Grains.Node;
using Vault.Grains.Security;
using Vault.Storage;

namespace Vault.Silo.Cluster;

public sealed class ClusterRepositoryKeyStore(ClusterDatabase database, VaultNode node) : IRepositoryKeyStore
{
    public string Describe => "cluster database";

    public async Task ChangePasswordAsync(string oldPassword, string newPassword)
    {
        await using var connection = await database.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({VaultSchema.AdvisoryLock})", connection, tx))
        {
            await lockCommand.ExecuteNonQueryAsync();
        }

        byte[] keyFile;
        await using (var read = new NpgsqlCommand("SELECT key_file FROM vault_repository", connection, tx))
        {
            keyFile = await read.ExecuteScalarAsync() as byte[]
                ?? throw new InvalidConfigurationException($"the cluster database ({database.Describe()}) holds no repository key");
        }

        var rewrapped = await Task.Run(() => KeyFiles.Rewrap(keyFile, oldPassword, newPassword));
        await using (var update = new NpgsqlCommand("UPDATE vault_repository SET key_file = @key", connection, tx))
        {
            update.Parameters.AddWithValue("key", rewrapped);
            await update.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();

        // This node's copy now; the other nodes replace theirs when they next start.
        LocalRepository.ReplaceWrappedKey(node.DataDir, rewrapped);
    }
}
