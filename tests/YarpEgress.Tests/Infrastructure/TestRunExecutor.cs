using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Runs the test cases as xunit does, watching the run's messages for its end (<see cref="TestRunFramework"/>).</summary>
public sealed class TestRunExecutor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
{
    protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions) =>
        base.RunTestCases(testCases, new RunEndSink(executionMessageSink), executionOptions);
}
