using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Registration;

/// <summary>The builder <c>AddMpms</c> returns: one pool's name, the services, and the wiring that knows its types.</summary>
internal sealed class MpmsPoolBuilder(string name, IServiceCollection services, PoolWiring wiring) : IMpmsPoolBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    public PoolWiring Wiring { get; } = wiring;
}
