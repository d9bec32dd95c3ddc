using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting;

/// <summary>Receives a worker type together with its job and result types (see <see cref="IMpmsWorker"/>).</summary>
internal interface IWorkerTypeVisitor<out TReturn>
{
    TReturn Visit<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker, TJob, TResult>()
        where TWorker : class;
}
