using System.Buffers;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>Checks one pool's broker options when the host starts, naming every wrong key and why it is wrong.</summary>
internal sealed class RabbitMqOptionsValidator(string poolName, string keyPrefix) : IValidateOptions<MpmsRabbitMqOptions>
{
    private static readonly SearchValues<char> NameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");

    public ValidateOptionsResult Validate(string? name, MpmsRabbitMqOptions options)
    {
        if (!string.Equals(name, poolName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        List<string> errors = [];
        if (options.Uri is { } uri)
        {
            // The URI is not echoed: it may carry the password.
            if (!System.Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed))
            {
                errors.Add($"{keyPrefix}:Uri is not an absolute URI (amqp://user:password@host:5672/vhost).");
            }
            else if (parsed.Scheme is not ("amqp" or "amqps"))
            {
                errors.Add($"{keyPrefix}:Uri must use the amqp or amqps scheme, not '{parsed.Scheme}'.");
            }
            else if (string.IsNullOrEmpty(parsed.Host))
            {
                errors.Add($"{keyPrefix}:Uri names no host.");
            }
        }
        else if (string.IsNullOrWhiteSpace(options.HostName))
        {
            errors.Add($"{keyPrefix}:HostName must name the broker's host when {keyPrefix}:Uri is not set.");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{keyPrefix}:Port must be between 0 (the AMQP default) and 65535, not {options.Port}.");
        }

        if (string.IsNullOrEmpty(options.VirtualHost))
        {
            errors.Add($"{keyPrefix}:VirtualHost must not be empty ('/' is the default virtual host).");
        }

        if (string.IsNullOrEmpty(options.Prefix) || options.Prefix.AsSpan().ContainsAnyExcept(NameChars) || options.Prefix.Length > 100)
        {
            errors.Add($"{keyPrefix}:Prefix must be 1 to 100 letters, digits, '.', '-' or '_': it starts every queue and exchange name.");
        }

        if (options.HostId is { } hostId && (hostId.Length is 0 or > 100 || hostId.AsSpan().ContainsAnyExcept(NameChars)))
        {
            errors.Add($"{keyPrefix}:HostId must be 1 to 100 letters, digits, '.', '-' or '_': it names the host's reply queue.");
        }

        if (!Enum.IsDefined(options.QueueType))
        {
            errors.Add($"{keyPrefix}:QueueType must be Classic or Quorum.");
        }

        if (options.DeliveryLimit < 1)
        {
            errors.Add($"{keyPrefix}:DeliveryLimit must be at least 1, not {options.DeliveryLimit}.");
        }

        Positive(errors, options.PutTimeout, "PutTimeout", "a put must be able to wait for the broker's confirm");
        Positive(errors, options.ConnectTimeout, "ConnectTimeout", "the start must be able to wait for a connection");
        Positive(errors, options.LongJobLeaseAfter, "LongJobLeaseAfter", "it must end before the broker's consumer_timeout does");
        Positive(errors, options.OrphanedOutcomeAfter, "OrphanedOutcomeAfter", "outcomes wait that long for their host");
        if (options.OrphanedOutcomeAfter > TimeSpan.FromMilliseconds(int.MaxValue / 4) || options.LongJobLeaseAfter > TimeSpan.FromMilliseconds(int.MaxValue / 4))
        {
            errors.Add($"{keyPrefix}:OrphanedOutcomeAfter and {keyPrefix}:LongJobLeaseAfter must be under 6 days: the broker takes them as 32-bit milliseconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void Positive(List<string> errors, TimeSpan value, string key, string reason)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{keyPrefix}:{key} must be positive, not {value}: {reason}.");
        }
    }
}
