using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Configuration;
using YarpEgress.Proxying;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Transport;

namespace YarpEgress.Tests.Listeners;

/// <summary>One connection over two pipes: the test writes the client's bytes and reads what the stage wrote.</summary>
internal sealed class PipeConnection : IDisposable
{
    private readonly Pipe _input = new();
    private readonly Pipe _output = new();
    private readonly CancellationTokenSource _closed = new();

    public PipeConnection(EgressSnapshot snapshot, string listener, IPEndPoint peer)
    {
        Connection = new DefaultConnectionContext("test", new DuplexPipe(_input.Reader, _output.Writer), new DuplexPipe(_output.Reader, _input.Writer))
        {
            RemoteEndPoint = peer,
            LocalEndPoint = IPEndPoint.Parse("127.0.0.1:3128"),
            ConnectionClosed = _closed.Token,
        };
        Context = new ProxyContext(snapshot, listener, peer, _closed.Token, CancellationToken.None);
        Connection.Features.Set(Context);
        Connection.Features.Set<IClientSendFeature>(Send);
    }

    public DefaultConnectionContext Connection { get; }

    public ProxyContext Context { get; }

    public RecordingClientSend Send { get; } = new();

    /// <summary>What the stage sent raw (answers, alerts), as text.</summary>
    public string SentText => Encoding.ASCII.GetString(Send.Sent);

    public async Task WriteAsync(byte[] bytes) => await _input.Writer.WriteAsync(bytes);

    public Task WriteAsync(string text) => WriteAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>The client's connection is gone (a reset): <c>ConnectionClosed</c> fires.</summary>
    public Task LeaveAsync() => _closed.CancelAsync();

    /// <summary>The client's FIN.</summary>
    public Task FinishAsync() => _input.Writer.CompleteAsync().AsTask();

    /// <summary>Reads what the stage wrote to the connection's output pipe (a relay's download) until it completes.</summary>
    public async Task<string> ReadOutputToEndAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var result = await _output.Reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                text.Append(Encoding.ASCII.GetString(segment.Span));
            }

            _output.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return text.ToString();
            }
        }
    }

    /// <summary>Reads whatever the next stage was handed, up to the client's FIN.</summary>
    public static async Task<byte[]> ReadToEndAsync(PipeReader input)
    {
        var bytes = new MemoryStream();
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                bytes.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return bytes.ToArray();
            }
        }
    }

    public void Dispose() => _closed.Dispose();
}
