namespace YarpEgress.Tests.Infrastructure;

/// <summary>Paths in the repository the tests run from, and configs with their Kubernetes secrets stood in for.</summary>
internal static class RepositoryFiles
{
    private const string SecretMount = "/etc/yarp-egress/tls/";

    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>
    /// A copy of a config file whose certificate paths under the Kubernetes secret mount point at the test
    /// certificate, as the mounted secret would, so that validation loads real PEM files.
    /// </summary>
    public static string WithMountedSecrets(string configPath, Func<string, string>? edit = null)
    {
        var (certificate, key) = TestCertificates.WriteServerPem();
        var directory = Path.GetDirectoryName(certificate)!;
        File.Move(certificate, Path.Combine(directory, "tls.crt"), overwrite: true);
        File.Move(key, Path.Combine(directory, "tls.key"), overwrite: true);
        var text = File.ReadAllText(configPath).Replace(SecretMount, directory + "/", StringComparison.Ordinal);
        var copy = Path.Combine(directory, Path.GetFileName(configPath));
        File.WriteAllText(copy, edit is null ? text : edit(text));
        return copy;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "YarpEgress.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (YarpEgress.sln) is not above the test binaries");
    }
}
