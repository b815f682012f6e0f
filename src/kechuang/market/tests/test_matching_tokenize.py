from kechuang.market.matching.tokenize import bigrams, normalize, plain_bigrams, query_terms, words


def test_words_segment_chinese_and_drop_stopwords():
    toks = words("基于深度学习的图像识别方法研究")
    assert "深度" in toks and "学习" in toks and "图像" in toks and "识别" in toks
    assert "的" not in toks
    assert all(t.strip() for t in toks)


def test_latin_terms_lower_cased_and_full_width_normalised():
    toks = words("利用Lyapunov函数和ＭＲＰ参数，SOS方法")
    assert "lyapunov" in toks and "mrp" in toks and "sos" in toks
    assert "Lyapunov" not in toks
    assert normalize("ＡＢＣ１２３") == "abc123"


def test_punctuation_and_short_numbers_dropped():
    toks = words("（1）复合材料，2019年！")
    assert "材料" in toks
    assert "（" not in toks and "(" not in toks and "1" not in toks and "，" not in toks
    assert "2019" in toks


def test_bigrams_inside_cjk_runs_and_whole_latin_terms():
    assert bigrams("图像识别") == ["图像", "像识", "识别"]
    assert bigrams("5G基站，铁") == ["5g", "基站", "铁"]
    # bigrams never cross punctuation or a Latin term
    assert "别a" not in bigrams("识别AI模型") and "ai" in bigrams("识别AI模型")
    assert plain_bigrams("的图") == ["的图"]


def test_query_terms_returns_both_analysers():
    w, b = query_terms("新能源汽车 电池管理")
    assert "电池" in w and "电池" in b and "池管" in b


def test_lexical_index_scores_equal_bm25s():
    import bm25s
    import numpy as np

    from kechuang.market.matching.lexical import LexicalIndex

    docs = [bigrams(t) for t in ["图像识别方法", "图像处理与图像识别", "水运工程管理", "控制系统设计", ""]]
    mine = LexicalIndex(iter(docs))
    ref = bm25s.BM25()
    ref.index(docs, show_progress=False)
    for q in (["图像", "识别"], ["工程"], ["系统", "控制", "图像"]):
        assert np.allclose(mine.scores({t: 1 for t in q}), ref.get_scores(q), atol=1e-5)
        assert np.allclose(mine.bm25.get_scores(q), ref.get_scores(q), atol=1e-5)
    assert mine.scores({"不存在": 1}).tolist() == [0.0] * 5
    assert mine.idf("图像") > mine.idf("不存在") == 0.0
