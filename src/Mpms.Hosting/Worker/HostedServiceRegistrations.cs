using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The application's hosted-service registrations, read in a worker process to find those its pool chose. The worker
/// reads descriptors instead of resolving <c>IEnumerable&lt;IHostedService&gt;</c>: that would construct every hosted
/// service of the application (the web server, the user's background services) only to drop most of them.
/// </summary>
/// <param name="services">The application's service collection; read once the host is built, when it no longer changes.</param>
internal sealed class HostedServiceRegistrations(IEnumerable<ServiceDescriptor> services)
{
    /// <summary>
    /// The web host's hosted service (it starts Kestrel): never chosen, even by a filter that accepts it, since a worker
    /// process must not listen on the application's endpoints.
    /// </summary>
    internal const string WebHostService = "Microsoft.AspNetCore.Hosting.GenericWebHostService";

    /// <summary>
    /// Returns the hosted services that any of <paramref name="choices"/> matches, in registration order and each once
    /// (never the web host's), and the choices that matched none.
    /// </summary>
    public (IReadOnlyList<ChosenHostedService> Chosen, IReadOnlyList<HostedServiceChoice> Unmatched) Choose(IReadOnlyList<HostedServiceChoice> choices)
    {
        var chosen = new List<ChosenHostedService>();
        var matched = new bool[choices.Count];
        foreach (ServiceDescriptor registration in services)
        {
            if (registration.ServiceType != typeof(IHostedService) || registration.IsKeyedService)
            {
                continue;
            }

            Type type = ImplementationTypeOf(registration);
            if (type.FullName == WebHostService)
            {
                continue;
            }

            bool isChosen = false;
            for (int i = 0; i < choices.Count; i++)
            {
                if (choices[i].Matches(type))
                {
                    matched[i] = true;
                    isChosen = true;
                }
            }

            if (isChosen)
            {
                chosen.Add(new ChosenHostedService(registration, type));
            }
        }

        return (chosen, [.. choices.Where((_, i) => !matched[i])]);
    }

    /// <summary>
    /// Gets the type a registration makes. For a factory it is the type the factory is declared to return:
    /// <c>AddHostedService(sp =&gt; ...)</c> declares the service's own type, <c>AddSingleton&lt;IHostedService&gt;(sp =&gt; ...)</c>
    /// only the interface.
    /// </summary>
    public static Type ImplementationTypeOf(ServiceDescriptor registration) =>
        registration.ImplementationType
        ?? registration.ImplementationInstance?.GetType()
        ?? (registration.ImplementationFactory?.GetType().GenericTypeArguments is [_, Type returned] ? returned : typeof(IHostedService));
}

/// <summary>A hosted service a worker process starts: how the application registered it, and what type it is.</summary>
/// <param name="Registration">The application's registration, from which the worker makes the instance.</param>
/// <param name="Type">The implementation type the choice matched.</param>
internal readonly record struct ChosenHostedService(ServiceDescriptor Registration, Type Type);
