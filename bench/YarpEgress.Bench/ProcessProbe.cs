using System.Globalization;

namespace YarpEgress.Bench;

/// <summary>Reads a process's resident memory and open descriptors from /proc (Linux).</summary>
internal static class ProcessProbe
{
    public static long RssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    public static int OpenSockets(int pid)
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }
}
