using System.Globalization;

namespace YarpEgress.Telemetry;

/// <summary>
/// Caps the distinct <c>destination_host</c>/<c>destination_port</c> label pairs, so no caller can grow the series
/// count without bound: the first N allowed destinations (host and port) keep their own labels, later ones become
/// <c>other</c>/<c>other</c>. Denied and unusable traffic never reaches here; it is labelled by outcome alone
/// (<see cref="Denied"/>, <see cref="Invalid"/>), with no host and no port, since both are the requester's choice.
/// </summary>
internal sealed class DestinationLabels(Func<int> limit)
{
    public static readonly DestinationLabel Other = new("other", "other");
    public static readonly DestinationLabel Denied = new("denied", DestinationLabel.NoPort);
    public static readonly DestinationLabel Invalid = new("invalid", DestinationLabel.NoPort);

    private readonly CappedLabels<(string Host, int Port), DestinationLabel> _labels = new(limit, Other);

    public DestinationLabel For(string host, int port) =>
        _labels.For((host, port), static key => new DestinationLabel(key.Host, key.Port == 0 ? DestinationLabel.NoPort : key.Port.ToString(CultureInfo.InvariantCulture)));
}
