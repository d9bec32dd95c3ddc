using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mpms.Hosting.RabbitMQ.Internal;
using Mpms.Hosting.RabbitMQ.TestHost;
using Mpms.Hosting.Registration;

namespace Mpms.Hosting.RabbitMQ.Tests.Options;

/// <summary>The broker options' rules, each error naming its key; and the registration, once per pool. No broker needed.</summary>
public sealed class RabbitMqOptionsValidatorTests
{
    private readonly RabbitMqOptionsValidator _validator = new("pool", "Mpms:RabbitMq");

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(_validator.Validate("pool", new MpmsRabbitMqOptions()).Succeeded);
    }

    [Fact]
    public void Validate_AnotherPool_IsSkipped()
    {
        Assert.True(_validator.Validate("other", new MpmsRabbitMqOptions { Prefix = "" }).Skipped);
    }

    [Theory]
    [InlineData("ftp://h/", "Mpms:RabbitMq:Uri must use the amqp or amqps scheme")]
    [InlineData("relative/path", "Mpms:RabbitMq:Uri is not an absolute URI")]
    public void Validate_BadUri_NamesTheKeyWithoutEchoingTheUri(string uri, string expected)
    {
        ValidateOptionsResult result = _validator.Validate("pool", new MpmsRabbitMqOptions { Uri = uri });

        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(uri, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadKeys_ListsEveryOne()
    {
        var options = new MpmsRabbitMqOptions
        {
            HostName = " ",
            Port = 70000,
            Prefix = "a b",
            HostId = "h/1",
            DeliveryLimit = 0,
            PutTimeout = TimeSpan.Zero,
            LongJobLeaseAfter = TimeSpan.FromDays(30),
        };

        string message = _validator.Validate("pool", options).FailureMessage!;

        Assert.All(
            new[] { "Mpms:RabbitMq:HostName", "Mpms:RabbitMq:Port", "Mpms:RabbitMq:Prefix", "Mpms:RabbitMq:HostId", "Mpms:RabbitMq:DeliveryLimit", "Mpms:RabbitMq:PutTimeout", "Mpms:RabbitMq:LongJobLeaseAfter" },
            key => Assert.Contains(key, message, StringComparison.Ordinal));
    }

    [Fact]
    public void UseRabbitMq_CalledTwice_RegistersOneBrokerForThePool()
    {
        var services = new ServiceCollection();
        IMpmsPoolBuilder pool = services.AddMpms<HostWorker>();

        pool.UseRabbitMq(o => o.Prefix = "first").UseRabbitMq(o => o.Prefix = "second");

        Assert.Single(services, d => d.ServiceType == typeof(IPoolBroker) && Equals(d.ServiceKey, pool.Name));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<MpmsRabbitMqOptions>));
    }

    [Fact]
    public void Endpoint_FromUriWithCredentials_HoldsNoUserInformation()
    {
        var factory = BrokerConnection.CreateFactory(new MpmsRabbitMqOptions { Uri = "amqp://alice:s3cret@rabbit.example:5673/jobs" }, "test");

        string endpoint = BrokerConnection.DescribeEndpoint(factory);

        Assert.Equal("amqp://rabbit.example:5673/jobs", endpoint);
    }
}
