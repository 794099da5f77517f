"""The anonymisation scanner on realistic Japanese text."""
from consult.cases.anonymize import ScanContext, highlight, scan, unacknowledged


def kinds(findings):
    """(kind, text) pairs of the findings."""
    return [(f.kind, f.text) for f in findings]


def test_names_with_honorifics_and_extension_numbers():
    found = scan({"problem": "人事課の田中さん（内線2214）に確認したところ、佐藤課長の了承が必要とのことだった。"})
    assert ("氏名", "田中さん") in kinds(found)
    assert ("電話番号", "内線2214") in kinds(found)
    assert ("氏名", "佐藤課長") in kinds(found)


def test_phone_numbers_including_mobile_and_full_width():
    text = "連絡先は090-1234-5678、代表は076-225-1111、夜間は０７６（２２５）１１１２、または09012345678。"
    found = kinds(scan({"cause": text}))
    phones = [t for k, t in found if k == "電話番号"]
    assert phones == ["090-1234-5678", "076-225-1111", "０７６（２２５）１１１２", "09012345678"]


def test_email_address_and_postal_address():
    found = kinds(scan({"solution": "tanaka@pref.example.jp に送付。送付先は〒920-8580 石川県金沢市鞍月1丁目1番地です。"}))
    assert ("メールアドレス", "tanaka@pref.example.jp") in found
    assert ("住所", "〒920-8580 石川県金沢市鞍月1丁目1番地") in found


def test_address_without_postal_code():
    found = kinds(scan({"problem": "申請者は白山市鶴来本町3番地に住んでいる。"}))
    assert ("住所", "白山市鶴来本町3番地") in found


def test_my_number_like_digit_runs():
    found = kinds(scan({"problem": "個人番号 1234 5678 9012 と 123456789012 と 1234-5678-9012 を台帳に記入"}))
    numbers = [t for k, t in found if k == "マイナンバー等の数字"]
    assert numbers == ["1234 5678 9012", "123456789012", "1234-5678-9012"]


def test_people_of_the_ticket_with_and_without_space():
    context = ScanContext(names=["山田 花子", "高橋 三郎"])
    found = kinds(scan({"problem": "山田花子が担当し、山田様と高橋 三郎さんが確認した。高橋氏にも共有。"}, context))
    assert ("氏名", "山田花子") in found
    assert ("氏名", "山田様") in found
    assert ("氏名", "高橋 三郎さん") in found
    assert ("氏名", "高橋氏") in found


def test_verbatim_sentences_of_a_personal_ticket():
    ticket_text = "申請者の母親が入院しているため、代理で手続きをしたいという相談があった。短い文。"
    context = ScanContext(ticket_texts=[ticket_text])
    found = kinds(scan({"problem": "背景：申請者の母親が入院しているため、代理で手続きをしたいという相談があった。以上。"}, context))
    assert ("個人情報の記述", "申請者の母親が入院しているため、代理で手続きをしたいという相談があった") in found
    assert not any(t == "短い文" for _, t in found)


def test_plain_business_text_has_no_findings():
    text = "Excelの集計を自動化して、毎月2日かかっていた作業が半日になった。件数は1,234件、2026年4月1日から運用。"
    assert scan({"problem": text, "tools": ["Excel", "Power Automate"]}) == []


def test_ids_are_stable_and_acknowledgement_filters():
    first = scan({"problem": "田中さんに確認"})
    again = scan({"solution": "後日、田中さんに確認"})
    assert first[0].id == again[0].id
    assert unacknowledged(first, [first[0].id]) == []


def test_offsets_point_into_the_original_text_and_highlight_escapes():
    text = "<b>注意</b> 連絡は０９０－１２３４－５６７８まで"
    [finding] = scan({"effect": text})
    assert text[finding.start:finding.end] == "０９０－１２３４－５６７８"
    html = str(highlight(text, [finding]))
    assert "&lt;b&gt;" in html
    assert '<mark title="電話番号">０９０－１２３４－５６７８</mark>' in html
