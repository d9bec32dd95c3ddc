using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class PoolHealthRulesTests
{
    [Theory]
    [InlineData(2, 2, (int)StartFailureState.Running, MpmsPoolHealth.Healthy)]
    [InlineData(2, 3, (int)StartFailureState.Running, MpmsPoolHealth.Healthy)]
    [InlineData(2, 1, (int)StartFailureState.Running, MpmsPoolHealth.Degraded)]
    [InlineData(2, 0, (int)StartFailureState.Running, MpmsPoolHealth.Degraded)]
    [InlineData(2, 2, (int)StartFailureState.Faulted, MpmsPoolHealth.Faulted)]
    [InlineData(2, 0, (int)StartFailureState.Faulted, MpmsPoolHealth.Faulted)]
    [InlineData(2, 2, (int)StartFailureState.Failed, MpmsPoolHealth.Failed)]
    [InlineData(2, 0, (int)StartFailureState.Failed, MpmsPoolHealth.Failed)]
    public void Evaluate_EveryState_GivesItsHealth(int configured, int ready, int starts, MpmsPoolHealth expected) =>
        Assert.Equal(expected, PoolHealthRules.Evaluate(new PoolHealthSnapshot(configured, ready, (StartFailureState)starts)));
}
