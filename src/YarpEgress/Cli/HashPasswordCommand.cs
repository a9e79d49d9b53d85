using YarpEgress.Policy.Clients;

namespace YarpEgress.Cli;

/// <summary><c>YarpEgress hash-password</c>: reads a password from standard input, prints its hash for <c>ProxyPasswordHash</c>.</summary>
public static class HashPasswordCommand
{
    public const string Name = "hash-password";

    public static int Run(TextReader input, TextWriter output, TextWriter error)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("hash-password: give the password on standard input");
            return 2;
        }

        output.WriteLine(PasswordHash.Create(password));
        return 0;
    }
}
