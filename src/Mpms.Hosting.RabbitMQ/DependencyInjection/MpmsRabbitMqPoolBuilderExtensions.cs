using Mpms.Hosting;
using Mpms.Hosting.RabbitMQ;
using Mpms.Hosting.RabbitMQ.Internal;
using Mpms.Hosting.Registration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts one MPMS pool on RabbitMQ: several hosts put jobs on one durable queue and drain it together.</summary>
public static class MpmsRabbitMqPoolBuilderExtensions
{
    /// <summary>Runs the pool's jobs through RabbitMQ, with the connection and names bound from <paramref name="configuration"/>.</summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="configuration">The section of <see cref="MpmsRabbitMqOptions"/>, for example <c>Mpms:RabbitMq</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddMpms&lt;ThumbnailWorker&gt;()
    ///     .UseRabbitMq(builder.Configuration.GetSection("Mpms:RabbitMq"));
    /// </code>
    /// </example>
    public static IMpmsPoolBuilder UseRabbitMq(this IMpmsPoolBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        string path = configuration is IConfigurationSection section ? section.Path : "Mpms:RabbitMq";
        builder.Services.AddOptions<MpmsRabbitMqOptions>(builder.Name).Bind(configuration);
        return AddBroker(builder, path);
    }

    /// <summary>Runs the pool's jobs through RabbitMQ, with the connection and names set by <paramref name="configure"/>.</summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder UseRabbitMq(this IMpmsPoolBuilder builder, Action<MpmsRabbitMqOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<MpmsRabbitMqOptions>(builder.Name).Configure(configure);
        return AddBroker(builder, nameof(MpmsRabbitMqOptions));
    }

    private static IMpmsPoolBuilder AddBroker(IMpmsPoolBuilder builder, string keyPrefix)
    {
        string name = builder.Name;

        // Idempotent per pool: a second call may change the options, but the pool keeps one broker.
        if (builder.Services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IPoolBroker) && Equals(d.ServiceKey, name)))
        {
            return builder;
        }

        builder.Services.AddSingleton<IValidateOptions<MpmsRabbitMqOptions>>(new RabbitMqOptionsValidator(name, keyPrefix));
        builder.Services.AddOptions<MpmsRabbitMqOptions>(name).ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton<IPoolBroker>(name, (sp, _) => new RabbitMqPoolBroker(
            name,
            sp.GetRequiredService<IOptionsMonitor<MpmsRabbitMqOptions>>().Get(name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return builder;
    }
}
