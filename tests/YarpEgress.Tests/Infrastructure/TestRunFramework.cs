using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("YarpEgress.Tests.Infrastructure.TestRunFramework", "YarpEgress.Tests")]

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// xunit's own framework, plus the end of the run: when the assembly's last test has finished, the run's temporary
/// directory is removed (<see cref="TestTemp"/>), before the runner ends the process.
/// </summary>
public sealed class TestRunFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new TestRunExecutor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);
}
