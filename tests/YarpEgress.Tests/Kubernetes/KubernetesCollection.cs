namespace YarpEgress.Tests.Kubernetes;

/// <summary>
/// Tests that start gateways with <c>Egress:Kubernetes</c> on run one at a time: the watch's instruments carry no label
/// that tells two gateways apart, and every gateway's meter provider in the process sees every gateway's meter.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KubernetesCollection
{
    public const string Name = "kubernetes";
}
