using Xunit.Abstractions;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Passes every message on; on the assembly's end, first removes the run's temporary directory.</summary>
internal sealed class RunEndSink(IMessageSink inner) : LongLivedMarshalByRefObject, IMessageSink
{
    public bool OnMessage(IMessageSinkMessage message)
    {
        if (message is ITestAssemblyFinished)
        {
            TestTemp.RemoveRun();
        }

        return inner.OnMessage(message);
    }
}
