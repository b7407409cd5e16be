using BilateralNeuro.Experiments;
using FluentAssertions;
using Xunit;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Resources;

public class ResourceCsvTests
{
    [Fact]
    public void Reaction_times_are_read_by_header_and_bad_rows_are_named()
    {
        var dir = Directory.CreateTempSubdirectory("rt");
        var good = Path.Combine(dir.FullName, "rt.csv");
        File.WriteAllText(good, "subject,image_id,rt_ms\ns1,0,512.5\ns1,3,430\n\n");
        var rts = ResourceCsv.ReadReactionTimes(good);
        rts.Should().HaveCount(2);
        rts[0].Should().Be(512.5);
        rts[3].Should().Be(430);
        var bad = Path.Combine(dir.FullName, "bad.csv");
        File.WriteAllText(bad, "image_id,rt_ms\n1,fast\n");
        var act = () => ResourceCsv.ReadReactionTimes(bad);
        act.Should().Throw<InvalidDataException>().WithMessage("*bad.csv*line 2 (byte 15)*");
        File.WriteAllText(bad, "id,time\n1,2\n");
        act.Should().Throw<InvalidDataException>().WithMessage("*image_id*");
        File.WriteAllText(bad, "image_id,rt_ms\n1,300\n1,310\n");
        act.Should().Throw<InvalidDataException>().WithMessage("*line 3*appears twice*");
        File.WriteAllText(bad, "image_id,rt_ms\n1,-5\n");
        act.Should().Throw<InvalidDataException>().WithMessage("*positive*");
        dir.Delete(true);
    }

    [Fact]
    public void Rows_are_written_with_a_header_in_invariant_culture()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rows-{Guid.NewGuid():N}.csv");
        ResourceCsv.Write(path, new[] { new Pressure(0.5, 1e-3, 2) });
        File.ReadAllLines(path).Should().Equal("Breadth,Depth,Time", "0.5,0.001,2");
        File.Delete(path);
    }
}
