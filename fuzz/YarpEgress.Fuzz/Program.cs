using SharpFuzz;
using YarpEgress.Fuzz;

// dotnet YarpEgress.Fuzz.dll TARGET             under afl-fuzz: the in-process fork server loop (see fuzz/run.sh)
// dotnet YarpEgress.Fuzz.dll TARGET FILE|DIR    replay inputs without AFL, failing on the first broken invariant
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: YarpEgress.Fuzz TARGET [FILE|DIR]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

if (args.Length > 1)
{
    var files = Directory.Exists(args[1]) ? Directory.GetFiles(args[1]) : [args[1]];
    foreach (var file in files)
    {
        target(File.ReadAllBytes(file));
    }

    Console.WriteLine($"{args[0]}: {files.Length} inputs hold");
    return 0;
}

var buffer = new MemoryStream();
Fuzzer.Run(stream =>
{
    buffer.SetLength(0);
    stream.CopyTo(buffer);
    target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
