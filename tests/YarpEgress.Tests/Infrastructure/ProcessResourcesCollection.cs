namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// Tests that count the process's resources (open sockets) run alone: a gateway of a test running in parallel would
/// open and close sockets of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessResourcesCollection
{
    public const string Name = "Process resources (run alone)";
}
