#:project ../../src/BilateralNeuro/BilateralNeuro.csproj
#:property TreatWarningsAsErrors=false
// Tables of docs/beyond.md with seeds, CIs and Holm-corrected p, computed by the library's Analysis/Statistics from
// docs/beyond-run/DIR/*/results.csv (one row per variant and seed, written by run.sh; DIR = 2500 for the 2026-11-26
// runs, 2500-t1 for the runs on the current code with --threads 1).
// usage: dotnet run docs/beyond-run/report.cs -- DIR > docs/beyond-run/tables-DIR.md
using System.Globalization;
using BilateralNeuro.Analysis;

var ic = CultureInfo.InvariantCulture;
string limit = args.Length > 0 ? args[0] : "2500";
string root = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(AppContext.GetData("EntryPointFilePath") as string ?? "docs/beyond-run/report.cs"))!, limit);
var rows = new SortedDictionary<string, Dictionary<int, Dictionary<string, double>>>(StringComparer.Ordinal);
foreach (var file in Directory.GetFiles(root, "results.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
{
    var lines = File.ReadAllLines(file);
    var header = lines[0].Split(',');
    foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
    {
        var cells = line.Split(',');
        var values = new Dictionary<string, double>();
        for (int i = 3; i < header.Length && i < cells.Length; i++)
            if (double.TryParse(cells[i], NumberStyles.Float, ic, out double v)) values[header[i]] = v;
        var byseed = rows.TryGetValue(cells[0], out var b) ? b : rows[cells[0]] = [];
        byseed[int.Parse(cells[2], ic)] = values;
    }
}

IReadOnlyDictionary<int, double> Metric(string row, string metric, double scale = 100) =>
    rows[row].Where(kv => kv.Value.ContainsKey(metric)).ToDictionary(kv => kv.Key, kv => kv.Value[metric] * scale);
string S(double v) => double.IsNaN(v) ? "n/a" : v.ToString("+0.00;-0.00;0.00", ic);
string P(double v) => double.IsNaN(v) ? "n/a" : v < 0.001 ? v.ToString("0.0e0", ic) : v.ToString("0.000", ic);
string Seeds(IEnumerable<int> s) => string.Join(",", s.Order());

// A family of paired comparisons (candidate - reference on their common seeds), Holm-corrected across the family.
// Pairs with fewer than 3 common seeds are "not measured" (listed, kept out of the correction).
List<string> lastMissing = [];
List<(string Candidate, string Reference, PairedComparison C)> Family(IEnumerable<(string Candidate, string Reference)> pairs, string metric)
{
    var list = new List<(string, string, PairedComparison)>();
    var missing = new List<string>();
    foreach (var (c, r) in pairs)
    {
        if (!rows.ContainsKey(c) || !rows.ContainsKey(r)) { missing.Add($"`{c} − {r}` (no results{(rows.ContainsKey(c) ? $" for {r}" : rows.ContainsKey(r) ? $" for {c}" : " for either")})"); continue; }
        var a = Metric(c, metric); var b = Metric(r, metric);
        var common = a.Keys.Intersect(b.Keys).ToList();
        if (common.Count < 3) { missing.Add($"`{c} − {r}` ({common.Count} common seeds)"); continue; }
        var cmp = Statistics.Paired(common.ToDictionary(k => k, k => a[k]), common.ToDictionary(k => k, k => b[k]), $"{c} - {r}");
        list.Add((c, r, cmp));
    }
    var holm = Statistics.WithHolm(list.Select(x => x.Item3).ToList());
    lastMissing = missing;
    return list.Select((x, i) => (x.Item1, x.Item2, holm[i])).ToList();
}
// Generated verdict lines (docs/beyond.md's prose cites these instead of typed numbers).
var verdicts = new List<string>();
string Range(IEnumerable<int> s) { var l = s.Order().ToList(); return l.Count > 2 && l[^1] - l[0] == l.Count - 1 ? $"{l[0]}–{l[^1]}" : string.Join(",", l); }
void Verdict(string title, List<(string Candidate, string Reference, PairedComparison C)> family, string metric)
{
    foreach (var (c, r, x) in family)
    {
        var seeds = Metric(c, metric).Keys.Intersect(Metric(r, metric).Keys);
        string reading = x.HolmP < 0.05 && (x.CiLow > 0 || x.CiHigh < 0) ? (x.Mean > 0 ? "higher" : "lower") + " after Holm correction"
            : x.CiLow > 0 || x.CiHigh < 0 ? "CI excludes 0 but not significant after Holm correction" : "not shown (CI includes 0)";
        verdicts.Add($"- {title}: `{c} − {r}` ({metric}, seeds {Range(seeds)}): {S(x.Mean)} points [{S(x.CiLow)}, {S(x.CiHigh)}], {x.Wins}/{x.Losses} wins, Holm p {P(x.HolmP)} — {reading}.");
    }
    if (lastMissing.Count > 0) verdicts.Add($"- {title} ({metric}): not measured — {string.Join(", ", lastMissing)}.");
}

void PrintFamily(string title, List<(string Candidate, string Reference, PairedComparison C)> family, string metric)
{
    Console.WriteLine($"### {title}");
    Console.WriteLine();
    var missing = lastMissing;
    if (family.Count == 0)
    {
        Console.WriteLine("Not measured: no pair of these rows has three or more common seeds in the results files" + (missing.Count > 0 ? $" ({string.Join(", ", missing)})." : "."));
        Console.WriteLine();
        return;
    }
    Console.WriteLine($"Paired {metric} difference (points, candidate − reference, matched by seed); 95 % t CI and percentile-bootstrap CI (10,000 resamples, seed 0); exact two-sided sign test; paired t test; Holm across the {family.Count} rows of this table (t-test p).");
    Console.WriteLine();
    Console.WriteLine("| candidate | reference | seeds | mean diff | 95 % t CI | bootstrap CI | wins/losses | sign p | t p | Holm p |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var (c, r, x) in family)
    {
        var seeds = Metric(c, metric).Keys.Intersect(Metric(r, metric).Keys);
        Console.WriteLine($"| {c} | {r} | {Seeds(seeds)} | {S(x.Mean)} | [{S(x.CiLow)}, {S(x.CiHigh)}] | [{S(x.BootstrapLow)}, {S(x.BootstrapHigh)}] | {x.Wins}/{x.Losses}{(x.Ties > 0 ? $" ({x.Ties} ties)" : "")} | {P(x.SignP)} | {P(x.TP)} | {P(x.HolmP)} |");
    }
    if (missing.Count > 0) Console.WriteLine($"\nNot measured (fewer than 3 common seeds; not in the correction): {string.Join(", ", missing)}.");
    Console.WriteLine();
}
void Section(string title, string shortTitle, IEnumerable<(string, string)> pairs, string metric)
{
    var f = Family(pairs, metric);
    PrintFamily(title, f, metric);
    Verdict(shortTitle, f, metric);
}

string Coherence(string name)
{
    var g = Metric(name, "phase coherence", 1).Values.ToList();
    var sp = Metric(name, "spatial phase coherence", 1).Values.ToList();
    return g.Count == 0 ? "" : $"{Ci(g, "0.000")} / {Ci(sp, "0.000")}";
}

string Ci(IReadOnlyList<double> v, string format)
{
    var m = Statistics.MeanCi(v);
    return v.Count < 2 ? m.Mean.ToString(format, ic) : $"{m.Mean.ToString(format, ic)} [{m.Low.ToString(format, ic)}, {m.High.ToString(format, ic)}]";
}

Console.WriteLine($"<!-- generated by: dotnet run docs/beyond-run/report.cs -- {limit}; from docs/beyond-run/{limit}/*/results.csv -->");
Console.WriteLine();
Console.WriteLine($"### Every row (docs/beyond-run/{limit})");
Console.WriteLine();
// Which build and thread count each row comes from (results.json: LibraryVersion, Command).
var builds = new SortedDictionary<string, SortedDictionary<string, SortedSet<int>>>(StringComparer.Ordinal);
foreach (var file in Directory.GetFiles(root, "results.json", SearchOption.AllDirectories))
{
    using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
    string version = doc.RootElement.GetProperty("LibraryVersion").GetString() ?? "?";
    version = version.Contains('+') ? version[(version.IndexOf('+') + 1)..][..Math.Min(7, version.Length - version.IndexOf('+') - 1)] : version;
    string cmd = doc.RootElement.TryGetProperty("Command", out var c) ? c.GetString() ?? "" : "";
    var m = System.Text.RegularExpressions.Regex.Match(cmd, @"--threads\s+(\d+)");
    string key = $"build {version}, " + (m.Success ? $"--threads {m.Groups[1].Value}" : "LibTorch default threads");
    var names = builds.TryGetValue(key, out var n) ? n : builds[key] = new(StringComparer.Ordinal);
    foreach (var row in doc.RootElement.GetProperty("Rows").EnumerateArray())
    {
        string model = row.GetProperty("Model").GetString() ?? "?";
        (names.TryGetValue(model, out var ss) ? ss : names[model] = []).Add(row.GetProperty("Seed").GetInt32());
    }
}
foreach (var (key, names) in builds) Console.WriteLine($"Code version and threads: {key} — {string.Join("; ", names.Select(kv => $"{kv.Key} seeds {Seeds(kv.Value)}"))}.  ");
Console.WriteLine();
Console.WriteLine("Means over seeds with 95 % t CIs (percent).");
Console.WriteLine();
Console.WriteLine("| variant | seeds | parameters | fine acc % | coarse acc % | validation fine % | phase coherence global / spatial |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (name, byseed) in rows)
{
    var fine = Metric(name, "fine accuracy").Values.ToList();
    var coarse = Metric(name, "coarse accuracy").Values.ToList();
    var val = Metric(name, "validation fine accuracy").Values.ToList();
    Console.WriteLine($"| {name} | {Seeds(byseed.Keys)} | {byseed.Values.First()["parameters"].ToString("N0", ic)} | {Ci(fine, "0.00")} | {Ci(coarse, "0.00")} | {(val.Count > 0 ? Ci(val, "0.00") : "-")} | {Coherence(name)} |");
}
Console.WriteLine();

var original = new[] { "asymmetric", "callosal", "lattice", "selfsup", "contrastive", "labelfree", "sync", "coupled", "frozenphase", "sync+callosal",
    "callosal+selfsup", "sync+callosal+selfsup", "frozenphase+callosal+selfsup" };
Section("Each extension against the paper's network (fine accuracy)", "vs paper", original.Where(rows.ContainsKey).Select(v => (v, "paper")), "fine accuracy");
var allocation = new[] { ("lattice+budget", "lattice+fixedsplit"), ("lattice+budget", "lattice"), ("lattice", "lattice+swapped"), ("lattice", "lattice+equalpressure"), ("lattice+fixedsplit", "lattice+equalpressure") };
Section("Resource allocation controls (fine accuracy)", "allocation", allocation, "fine accuracy");
Section("Resource allocation controls (coarse accuracy)", "allocation", allocation, "coarse accuracy");
var recurrence = new[] { ("lattice", "lattice+t1"), ("lattice", "lattice+ff") };
Section("Recurrence controls (fine accuracy)", "recurrence", recurrence, "fine accuracy");
Section("Recurrence controls (coarse accuracy)", "recurrence", recurrence, "coarse accuracy");
Section("Synchrony controls (fine accuracy)", "synchrony", new[] { ("sync", "frozenphase"), ("coupled", "frozenphase") }, "fine accuracy");
Section("Label-free hemispheres (fine accuracy)", "label-free", new[] { ("labelfree", "selfsup"), ("labelfree", "paper") }, "fine accuracy");
Section("Label-free hemispheres (coarse accuracy)", "label-free", new[] { ("labelfree", "selfsup"), ("labelfree", "paper") }, "coarse accuracy");

// Which label level each hemisphere's frozen features carry (ridge probe, training split -> test set).
var probed = rows.Keys.Where(k => rows[k].Values.Any(v => v.ContainsKey("left probe fine"))).ToList();
if (probed.Count > 0)
{
    Console.WriteLine("### Linear probe: which label level each hemisphere carries");
    Console.WriteLine();
    Console.WriteLine("Ridge probe (closed form, λ = 1 on standardised features) from each hemisphere's frozen features, fitted on the training split and scored on the test images; means over seeds with 95 % t CIs (percent). Specialisation index = (left − right on fine) − (left − right on coarse), per seed: > 0 when the left hemisphere carries relatively more fine and the right more coarse information; its paired test is Holm-corrected across the rows of this table.");
    Console.WriteLine();
    Console.WriteLine("| variant | seeds | left probe fine | right probe fine | left probe coarse | right probe coarse | specialisation index [95 % t CI] | t p | Holm p |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
    var index = new List<(string Name, PairedComparison C, List<int> Seeds)>();
    foreach (var name in probed)
    {
        var lf = Metric(name, "left probe fine"); var rf = Metric(name, "right probe fine");
        var lc = Metric(name, "left probe coarse"); var rc = Metric(name, "right probe coarse");
        var seeds = lf.Keys.Intersect(rf.Keys).Intersect(lc.Keys).Intersect(rc.Keys).Order().ToList();
        if (seeds.Count >= 3)
            index.Add((name, Statistics.FromDifferences(seeds.Select(k => (lf[k] - rf[k]) - (lc[k] - rc[k])).ToList(), name), seeds));
    }
    var holmIndex = Statistics.WithHolm(index.Select(x => x.C).ToList());
    foreach (var name in probed)
    {
        string M(string metric) { var v = Metric(name, metric).Values.ToList(); return v.Count == 0 ? "-" : Ci(v, "0.00"); }
        int i = index.FindIndex(x => x.Name == name);
        string idx = i < 0 ? "not measured (< 3 seeds) | | " : $"{S(holmIndex[i].Mean)} [{S(holmIndex[i].CiLow)}, {S(holmIndex[i].CiHigh)}] | {P(holmIndex[i].TP)} | {P(holmIndex[i].HolmP)}";
        Console.WriteLine($"| {name} | {Seeds(rows[name].Keys)} | {M("left probe fine")} | {M("right probe fine")} | {M("left probe coarse")} | {M("right probe coarse")} | {idx} |");
        if (i >= 0)
        {
            var x = holmIndex[i];
            verdicts.Add($"- probe: `{name}` specialisation index (seeds {Range(index[i].Seeds)}): {S(x.Mean)} points [{S(x.CiLow)}, {S(x.CiHigh)}], Holm p {P(x.HolmP)} — "
                + (x.HolmP < 0.05 && (x.CiLow > 0 || x.CiHigh < 0) ? (x.Mean > 0 ? "left carries relatively more fine, right more coarse" : "the reverse of the paper's division") : "no division of label levels shown") + ".");
        }
        else verdicts.Add($"- probe: `{name}` — not measured (fewer than 3 seeds).");
    }
    Console.WriteLine();
}

// Resource allocation: effective sizes and the learned split.
var lattices = rows.Keys.Where(k => k.StartsWith("lattice", StringComparison.Ordinal)).ToList();
if (lattices.Count > 0)
{
    Console.WriteLine("### Resource allocation between the lattice hemispheres");
    Console.WriteLine();
    Console.WriteLine("Means over seeds with 95 % t CIs: effective size of each hemisphere after training (active channels / layers / expected steps on the first validation batch) and, for the shared budget, the left hemisphere's pressure share σ at the kept epoch (0.5 = equal).");
    Console.WriteLine();
    Console.WriteLine("| variant | seeds | left channels | right channels | left steps | right steps | left pressure share σ (kept epoch) | σ after the last epoch |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    foreach (var name in lattices)
    {
        string M(string metric, string f) { var v = Metric(name, metric, 1).Values.ToList(); return v.Count == 0 ? "-" : Ci(v, f); }
        Console.WriteLine($"| {name} | {Seeds(rows[name].Keys)} | {M("left channels", "0")} | {M("right channels", "0")} | {M("left steps", "0.00")} | {M("right steps", "0.00")} | {M("left pressure share", "0.000")} | {M("left pressure share final", "0.000")} |");
    }
    Console.WriteLine();
    if (rows.ContainsKey("lattice+budget"))
    {
        var share = Metric("lattice+budget", "left pressure share", 1);
        if (share.Count > 0)
        {
            var d = share.Values.Select(v => v - 0.5).ToList();
            var c = Statistics.FromDifferences(d, "left share - 0.5");
            Console.WriteLine($"Learned split, left pressure share σ − 0.5 at the kept epoch (seeds {Seeds(share.Keys)}): {c}.");
            Console.WriteLine();
            if (share.Count >= 3)
                verdicts.Add($"- allocation: learned split `lattice+budget`, left pressure share σ − 0.5 at the kept epoch (seeds {Range(share.Keys)}): {(c.Mean).ToString("+0.000;-0.000", ic)} [{c.CiLow.ToString("+0.000;-0.000", ic)}, {c.CiHigh.ToString("+0.000;-0.000", ic)}], t p {P(c.TP)} — "
                    + (c.CiHigh < 0 ? "pressure moved to the right (coarse) hemisphere: the fine hemisphere keeps more resources" : c.CiLow > 0 ? "pressure moved to the left (fine) hemisphere: the coarse hemisphere keeps more resources" : "the split did not move measurably from 0.5") + ".");
            else verdicts.Add("- allocation: learned split — not measured (fewer than 3 seeds).");
        }
        var last = Metric("lattice+budget", "left pressure share final", 1);
        if (last.Count > 0)
        {
            var c = Statistics.FromDifferences(last.Values.Select(v => v - 0.5).ToList(), "final left share - 0.5");
            Console.WriteLine($"Learned split after the last stage-1 epoch, σ − 0.5 (seeds {Seeds(last.Keys)}): {c}.");
            Console.WriteLine();
            if (last.Count >= 3)
                verdicts.Add($"- allocation: learned split `lattice+budget`, left pressure share σ − 0.5 after the last stage-1 epoch (seeds {Range(last.Keys)}): {(c.Mean).ToString("+0.000;-0.000", ic)} [{c.CiLow.ToString("+0.000;-0.000", ic)}, {c.CiHigh.ToString("+0.000;-0.000", ic)}], t p {P(c.TP)} — "
                    + (c.CiHigh < 0 ? "pressure moved to the right (coarse) hemisphere: the fine hemisphere keeps more resources" : c.CiLow > 0 ? "pressure moved to the left (fine) hemisphere: the coarse hemisphere keeps more resources" : "the split did not move measurably from 0.5") + ".");
        }
    }
}

if (verdicts.Count > 0)
{
    Console.WriteLine("### Generated verdicts");
    Console.WriteLine();
    Console.WriteLine("One line per comparison above (\"higher/lower after Holm correction\" needs a 95 % t CI excluding 0 and Holm p < 0.05 in its table):");
    Console.WriteLine();
    foreach (var v in verdicts) Console.WriteLine(v);
    Console.WriteLine();
}
