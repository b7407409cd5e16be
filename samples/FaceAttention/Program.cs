using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using TorchSharp;

var outDir = args.Length > 0 ? args[0] : "face-attention-output";
Directory.CreateDirectory(outDir);
foreach (var size in new[] { 64, 224 })
{
    var gen = new FaceGenerator(new FaceGeneratorOptions { Size = size });
    var ids = gen.SampleIdentities(size == 64 ? 6 : 2, seed: 3);
    var vals = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 };
    var rng = new Random(1);
    var rows = new List<torch.Tensor>();
    foreach (var id in ids)
    {
        var nu = gen.SampleNuisance(rng);
        var imgs = gen.Render(Enumerable.Repeat(id, 8).ToList(), vals.Concat(new[] { 0.0, 0.0, 0.0 }).ToList(), Enumerable.Repeat(nu, 8).ToList());
        var occ = new[] { FaceOcclusion.Eyes, FaceOcclusion.Nose, FaceOcclusion.Mouth }
            .Select(o => gen.Render([id], [1.0], [nu], o)).ToList();
        var row = torch.cat(Enumerable.Range(0, 5).Select(i => imgs[i]).Concat(occ.Select(t => t[0])).ToList(), 2);
        rows.Add(row);
    }
    PngWriter.Write(Path.Combine(outDir, $"faces-{size}.png"), torch.cat(rows, 1));
}
