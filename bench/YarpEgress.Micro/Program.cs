using BenchmarkDotNet.Running;

// Micro-benchmarks of the per-connection hot pieces, with allocations (MemoryDiagnoser):
//   dotnet run -c Release --project bench/YarpEgress.Micro -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(YarpEgress.Micro.HostMatchBenchmarks).Assembly).Run(args);
