using System.Runtime.CompilerServices;

namespace YarpEgress.Tests.Infrastructure;

internal static class ThreadPoolSetup
{
    /// <summary>
    /// The tests host the gateway, its upstreams and their clients in one process, on CI's 2 cores: with the default
    /// minimum of 2 pool threads, thread injection (about one new thread per 500 ms) delayed timer continuations by
    /// up to 700 ms and broke timing tests (idle timeout). The gateway run as its own process shows no such delay.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount * 8), 32);
}
