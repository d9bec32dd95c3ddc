using System.Runtime.CompilerServices;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Dependency injection could not construct a worker, an initializer or a finalizer: a service it needs is not
/// registered, it has no constructor DI can call, or its constructor threw. Kept apart from a failure of the code it
/// would have run, so that the log says which it was and gives DI's reason.
/// </summary>
internal sealed class ServiceConstructionException : Exception
{
    // The SDK turns DI's own trimming check on in every trimmed or native AOT publish and writes the switch into the
    // application's runtime configuration, where it can be read at run time.
    private const string TrimmedSwitch = "Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability";

    private const string Hint =
        " This application is trimmed: the trimmer may have removed a constructor that only dependency injection calls." +
        " Register the type through a generic method that keeps its constructors (AddMpms<TWorker>, AddScoped<TService, TImplementation>," +
        " AddThreadInitializer<T>) and fix every trim warning of the publish.";

    /// <summary>Initializes a new instance of the <see cref="ServiceConstructionException"/> class.</summary>
    /// <param name="service">What could not be constructed, as the log names it: "The worker 'Ns.Type'", "A thread initializer".</param>
    /// <param name="innerException">What dependency injection threw.</param>
    public ServiceConstructionException(string service, Exception innerException)
        : base($"{service} could not be constructed by dependency injection. {innerException.Message}{HintIfTrimmed}", innerException)
    {
        Service = service;
        Reason = innerException.Message;
    }

    /// <summary>Gets what could not be constructed, as the log names it.</summary>
    public string Service { get; }

    /// <summary>Gets why, in dependency injection's words (or the constructor's own exception's).</summary>
    public string Reason { get; }

    /// <summary>Gets the likeliest cause in a trimmed application, to add to the reason there; empty elsewhere.</summary>
    public static string HintIfTrimmed => TrimmingHint(IsTrimmedApplication);

    /// <summary>Gets a value indicating whether this application was published trimmed or as native AOT.</summary>
    public static bool IsTrimmedApplication =>
        !RuntimeFeature.IsDynamicCodeSupported || (AppContext.TryGetSwitch(TrimmedSwitch, out bool trimmed) && trimmed);

    /// <summary>The hint to add to the reason: the likeliest cause in a <paramref name="trimmed"/> application, else nothing.</summary>
    public static string TrimmingHint(bool trimmed) => trimmed ? Hint : "";
}
