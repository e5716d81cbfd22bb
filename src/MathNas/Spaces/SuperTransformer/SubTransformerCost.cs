namespace MathNas.Spaces.SuperTransformer;

/// <summary>
/// FLOPs and parameter counts of a HAT SubTransformer, computed from its architecture.
/// <para>FLOPs follow HAT's own counter (<c>train.py --profile-flops</c>): torchprofile's multiply-accumulates of one
/// teacher-forced forward pass with a <see cref="SentenceLength"/>-token source and target, times 2, without the
/// output (vocabulary) projection. Counted: every linear layer (in x out per token), the two attention matmuls
/// (Q K^T and attention x V, whose cost does not depend on the head count because HAT's qkv dimension is fixed
/// at <see cref="QkvDim"/>), the layer norms and the element-wise multiplications (query scaling, embedding
/// scaling) that torchprofile counts as one MAC per output element. Additions, softmax and the embedding lookup
/// count 0, as in torchprofile.</para>
/// <para>Params follow HAT's <c>get_sampled_params_numel</c>: the sampled weights and biases of the linear layers and
/// layer norms of the active layers; embeddings (the shared vocabulary table) and the output projection are not
/// counted, as in HAT's README table.</para>
/// </summary>
public static class SubTransformerCost
{
    /// <summary>Tokens of HAT's dummy WMT sentence (source and target).</summary>
    public const int SentenceLength = 30;
    /// <summary>HAT's fixed attention projection width (<c>qkv-dim</c> 512).</summary>
    public const int QkvDim = 512;

    /// <summary>Encoder layers attended by the encoder-decoder attention for HAT's arbitrary-attention value.</summary>
    public static int AttendedEncoderLayers(int arbitraryEndeAttn) => arbitraryEndeAttn switch
    {
        -1 => 1,
        1 => 2,
        2 => 3,
        _ => throw new MathNasException($"arbitrary encoder-decoder attention is {arbitraryEndeAttn}; allowed: -1, 1, 2"),
    };

    /// <summary>Multiply-accumulates of one encoder layer.</summary>
    public static double EncoderLayerMacs(int embed, EncoderLayer layer, int length = SentenceLength)
    {
        double s = length, e = embed, q = QkvDim, f = layer.Ffn;
        double linear = 3 * s * e * q + s * q * e + s * e * f + s * f * e;
        double matmul = 2 * s * s * q;
        double elementwise = s * q /* q *= scaling */ + 2 * s * e /* two layer norms */;
        return linear + matmul + elementwise;
    }

    /// <summary>Multiply-accumulates of one decoder layer (teacher-forced over the whole target).</summary>
    public static double DecoderLayerMacs(int decoderEmbed, int encoderEmbed, DecoderLayer layer, int length = SentenceLength)
    {
        double t = length, d = decoderEmbed, ec = encoderEmbed, q = QkvDim, f = layer.Ffn;
        double kv = AttendedEncoderLayers(layer.ArbitraryEndeAttn) * (double)length; // encoder outputs are concatenated in time
        double self = 3 * t * d * q + t * q * d + 2 * t * t * q + t * q;
        double ende = t * d * q + 2 * kv * ec * q + t * q * d + 2 * t * kv * q + t * q;
        double ffn = 2 * t * d * f;
        double norms = 3 * t * d;
        return self + ende + ffn + norms;
    }

    /// <summary>Multiply-accumulates outside the layers: the embedding scaling of source and target.</summary>
    public static double FixedMacs(int encoderEmbed, int decoderEmbed, int length = SentenceLength) => (double)length * encoderEmbed + (double)length * decoderEmbed;

    public static double EncoderLayerParams(int embed, EncoderLayer layer)
    {
        double e = embed, q = QkvDim, f = layer.Ffn;
        return 3 * (e * q + q) + (q * e + e) + (e * f + f) + (f * e + e) + 2 * (2 * e);
    }

    public static double DecoderLayerParams(int decoderEmbed, int encoderEmbed, DecoderLayer layer)
    {
        double d = decoderEmbed, ec = encoderEmbed, q = QkvDim, f = layer.Ffn;
        double self = 3 * (d * q + q) + (q * d + d);
        double ende = (d * q + q) + 2 * (ec * q + q) + (q * d + d);
        double ffn = (d * f + f) + (f * d + d);
        return self + ende + ffn + 3 * (2 * d);
    }

    /// <summary>FLOPs (2 x MACs, HAT's convention) of the whole SubTransformer without the output projection.</summary>
    public static double Flops(SubTransformerConfig c, int length = SentenceLength)
    {
        double m = FixedMacs(c.EncoderEmbedDim, c.DecoderEmbedDim, length);
        foreach (var l in c.Encoder) m += EncoderLayerMacs(c.EncoderEmbedDim, l, length);
        foreach (var l in c.Decoder) m += DecoderLayerMacs(c.DecoderEmbedDim, c.EncoderEmbedDim, l, length);
        return 2 * m;
    }

    /// <summary>Parameters without embeddings and output projection (HAT's count).</summary>
    public static double Params(SubTransformerConfig c)
    {
        double p = 0;
        foreach (var l in c.Encoder) p += EncoderLayerParams(c.EncoderEmbedDim, l);
        foreach (var l in c.Decoder) p += DecoderLayerParams(c.DecoderEmbedDim, c.EncoderEmbedDim, l);
        return p;
    }
}
