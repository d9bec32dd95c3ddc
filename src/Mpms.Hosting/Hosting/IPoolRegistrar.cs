using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Hosting;

/// <summary>Registers one pool once its job and result types are known (they come from the worker type by reflection).</summary>
internal interface IPoolRegistrar
{
    void Register(IServiceCollection services, string poolName, string sectionPath, Action<MpmsOptions>? configure);
}
