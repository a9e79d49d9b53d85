using System.IO.Pipelines;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>A pipe pair seen from either end.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
