"""Synthetic but realistic Japanese office text for the scale benches (no shared/ data needed)."""
import random

BUKYOKU = ["総務部", "経営管理部", "健康福祉部", "県土整備部", "農林水産部", "環境生活部", "商工労働部",
           "教育委員会事務局", "危機管理局", "会計局", "企画振興部", "観光文化スポーツ部"]
KA = ["総務課", "人事課", "財政課", "企画課", "医療政策課", "健康課", "道路課", "河川課", "農政課", "森林整備課",
      "廃棄物対策課", "産業振興課", "学校支援課", "防災課", "会計課", "文化振興課", "観光企画課", "税務課",
      "子ども家庭課", "障害福祉課", "用地課", "建築住宅課", "水産課", "労働政策課"]
DEDAKI = ["北部土木事務所", "南部土木事務所", "中央県税事務所", "東部保健所", "西部保健所", "中部農林事務所"]
SUBJECTS = ["補助金の申請書", "市町村への照会", "会議の議事録", "出張の旅費請求", "研修の受講申込", "公用車の予約",
            "県民からの問い合わせ", "災害時の被害報告", "契約書の押印", "統計表の公開", "現場の点検記録", "文書の廃棄",
            "職員の時間外勤務", "イベントの参加申込", "請求書の処理", "許可申請の進捗", "共有フォルダのファイル",
            "審議会の開催", "個人情報の受け渡し", "窓口の予約", "備品の管理台帳", "入札の公告", "アンケートの集計",
            "広報誌の原稿", "議会答弁の資料", "予算要求の資料", "施設の利用申込", "検査の日程調整", "苦情の記録",
            "免許の更新案内", "講習会の受付", "放置車両の通報", "道路の損傷報告", "農地の転用申請", "補助事業の実績報告"]
PROBLEMS = ["紙で受け付けて手入力している", "Excelに一件ずつ転記している", "電話での確認に時間を取られる",
            "担当者しか手順が分からない", "郵送のやりとりに日数がかかる", "集計の前に様式を直す手間が大きい",
            "FAXで届いて書き写している", "同じ質問が何度も来る", "決裁に押印が必要で回付が遅い",
            "探すのに毎回時間がかかる", "二重入力でミスが起きる", "月末に残業が集中する", "最新版がどれか分からない",
            "メールの添付ファイルが多くて整理できない", "システムから出したCSVが文字化けする", "マクロが古くて動かない"]
TOOLS = ["Excel", "kintone", "LoGoフォーム", "RPA（WinActor）", "Power Automate", "Microsoft Forms", "Teams",
         "AI-OCR", "電子申請サービス", "文書管理システム", "チャットボット", "共有サーバ", "Power Query", "LoGoチャット",
         "タブレット", "Web会議", "生成AI", "Access", "Power BI", "GIS"]
SOLUTIONS = ["オンラインフォームで受け付けるようにした", "様式を統一して入力規則を設定した",
             "ロボットで財務会計システムへの入力を自動化した", "FAQをホームページに掲載した",
             "押印を廃止して電子決裁に切り替えた", "データベースで一元管理するようにした",
             "手順書を作り引継ぎのルールを定めた", "スキャンしてPDFで検索できるようにした",
             "ビジネスチャットで出先機関と連絡するようにした", "作業そのものを廃止した",
             "ピボットテーブルで集計するようにした", "文字コードをUTF-8に統一した", "会議を廃止して回覧にした"]
CAUSES = ["様式が紙前提だった", "手順が属人化していた", "システム間の連携がなかった", "確認の回付が多かった",
          "前例踏襲で見直されていなかった", "必要な情報が一か所にまとまっていなかった"]
REPLIES = ["ご相談ありがとうございます。現在の様式を共有いただけますか。", "来週、現場を見せていただけると助かります。",
           "似た事例がありますので参考にご覧ください。", "試作版を作りました。使い勝手を確認してください。",
           "担当課と調整のうえ、来月から運用を変える方向で進めます。", "確認しました。ありがとうございます。"]
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木",
          "山口", "松本", "井上", "木村", "林", "斎藤", "清水"]
GIVEN = ["花子", "太郎", "一郎", "美咲", "健一", "彩", "拓海", "千尋", "大輔", "直樹", "陽子", "翔太", "由美", "誠"]
FREQ = ["毎日", "毎週", "毎月", "年数回", "随時"]


def person(rng: random.Random) -> str:
    """A fictional name."""
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def ticket_text(rng: random.Random) -> dict:
    """Title and intake texts of one consultation."""
    subj, prob = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
    return {
        "title": f"{subj}で{prob}",
        "purpose": f"{subj}を正確に、期限までに処理するための業務です。",
        "current_process": f"今は{prob}。{rng.choice(SUBJECTS)}についても同じ流れで処理しています。",
        "problem": f"{rng.choice(PROBLEMS)}ため、担当者の負担が大きく、{rng.choice(PROBLEMS)}。",
        "desired_state": f"{rng.choice(SOLUTIONS)}状態にしたい。",
        "frequency": rng.choice(FREQ),
    }


def case_text(rng: random.Random) -> dict:
    """Texts of one solution case."""
    subj, prob = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
    tools = rng.sample(TOOLS, rng.randint(0, 3))
    hours = rng.randint(10, 800)
    return {
        "title": f"{subj}の{prob.split('て')[0]}作業を{'・'.join(tools) or '見直し'}で改善",
        "problem": f"{subj}について、{prob}。年間およそ{rng.randint(100, 5000)}件あり、担当者の負担が大きかった。",
        "cause": f"{rng.choice(CAUSES)}ため、{rng.choice(PROBLEMS)}状態が続いていた。",
        "solution": f"{'、'.join(tools) or '既存の仕組み'}を使い、{rng.choice(SOLUTIONS)}。あわせて{rng.choice(SOLUTIONS)}。",
        "effect": f"年間約{hours}時間の削減になった。",
        "tools": tools,
        "tags": rng.sample(["ペーパーレス", "自動化", "集計", "問い合わせ", "防災", "個人情報", "会議", "文書管理", "押印廃止"], 2),
        "hours_saved_per_year": hours,
    }
