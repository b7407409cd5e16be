using BilateralNeuro.Core;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public class CpuBudgetTests
{
    [Theory]
    [InlineData("0-3", 4)]
    [InlineData("0-3,8,10-11", 7)]
    [InlineData("5", 1)]
    [InlineData("3-1", null)]
    [InlineData("a-b", null)]
    public void Cpu_lists_are_counted(string list, int? expected) => CpuBudget.CountCpuList(list).Should().Be(expected);

    [Theory]
    [InlineData("max 100000", null)]
    [InlineData("200000 100000", 2)]
    [InlineData("150000 100000", 2)]
    [InlineData("50000 100000", 1)]
    [InlineData("garbage", null)]
    public void Cgroup_quota_is_rounded_up(string cpuMax, int? expected) => CpuBudget.QuotaCpus(cpuMax).Should().Be(expected);

    [Fact]
    public void The_tightest_of_affinity_quota_and_slurm_wins()
    {
        const string status = "Name:\tx\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\nMems_allowed:\t1\n";
        CpuBudget.Combine(status, null, null, 64).Threads.Should().Be(8, "affinity, not the machine's processor count");
        CpuBudget.Combine(status, "300000 100000", null, 64).Threads.Should().Be(3);
        var slurm = CpuBudget.Combine(status, "300000 100000", "2", 64);
        slurm.Threads.Should().Be(2);
        slurm.Reason.Should().Contain("SLURM_CPUS_PER_TASK=2").And.Contain("affinity 0-7");
        CpuBudget.Combine(null, null, null, 6).Threads.Should().Be(6, "without /proc the processor count is the fallback");
        CpuBudget.Combine(status, null, "zero", 64).Threads.Should().Be(8, "an unparsable SLURM value is ignored");
    }

    [Fact]
    public void Detect_on_this_machine_is_within_the_processor_count()
    {
        var budget = CpuBudget.Detect();
        budget.Threads.Should().BeInRange(1, Math.Max(Environment.ProcessorCount, int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out var n) ? n : 1));
        budget.Reason.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void SetThreads_sets_LibTorchs_thread_count_and_rejects_zero()
    {
        int before = torch.get_num_threads();
        try
        {
            TorchRuntime.SetThreads(1);
            TorchRuntime.Threads.Should().Be(1);
            torch.get_num_threads().Should().Be(1);
        }
        finally { torch.set_num_threads(before); }
        FluentActions.Invoking(() => TorchRuntime.SetThreads(0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least 1*");
    }

    [Fact]
    public void The_wait_policy_status_says_what_was_done()
    {
        TorchRuntime.EnsureLoaded();
        TorchRuntime.WaitPolicyStatus.Should().Contain("OMP_WAIT_POLICY");
    }
}
