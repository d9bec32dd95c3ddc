namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>What <c>{pattern}/api/pools</c> answers: when, and every pool's details.</summary>
internal sealed record DashboardResponse(DateTimeOffset TakenAt, IReadOnlyList<MpmsPoolDetails> Pools);
