"""Words the extraction grammar knows: number words, their ASR variants, cues.

Every entry is a normalised (lower-case) word. Kept as plain data so that the
grammar modules read as rules, and a new variant heard in the field is one
line here.
"""
from __future__ import annotations

__all__ = ["NUMBER_WORDS", "VARIANTS", "SLANG", "AMBIGUOUS_SLANG"]

# kind, value. D: digit word; TEN/TEEN: sepuluh/sebelas; PULUH/BELAS/RATUS:
# in-group scales; SERATUS: 100; MULT: group multipliers; SEMULT: se-
# multipliers (seribu = one thousand); HALF: setengah; KOMA: decimal comma.
NUMBER_WORDS = {
    "nol": ("D", 0), "kosong": ("D", 0),
    "satu": ("D", 1), "dua": ("D", 2), "tiga": ("D", 3), "empat": ("D", 4),
    "lima": ("D", 5), "enam": ("D", 6), "tujuh": ("D", 7), "delapan": ("D", 8),
    "sembilan": ("D", 9),
    "sepuluh": ("TEN", 10), "sebelas": ("TEEN", 11),
    "puluh": ("PULUH", 10), "belas": ("BELAS", 10), "ratus": ("RATUS", 100),
    "seratus": ("SERATUS", 100),
    "ribu": ("MULT", 1_000), "juta": ("MULT", 1_000_000), "miliar": ("MULT", 1_000_000_000),
    "ribuan": ("MULT", 1_000), "jutaan": ("MULT", 1_000_000),
    "seribu": ("SEMULT", 1_000), "sejuta": ("SEMULT", 1_000_000),
    # ASR writes "ratus ribu" as "ratu sribu": after a group it is "ribu",
    # alone it is no number (never read as one thousand).
    "sribu": ("SRIBU", 1_000),
    "semiliar": ("SEMULT", 1_000_000_000),
    "setengah": ("HALF", 0.5), "koma": ("KOMA", 0),
}

# Spellings that ASR and sellers produce for the words above (and for the
# currency word), mapped to the canonical form. Only forms that are not
# ordinary Indonesian words go here; the grammar decides in context whether
# a canonical number word is a number at all.
VARIANTS = {
    # ribu
    "rban": "ribuan", "rbn": "ribuan", "jtan": "jutaan", "rebu": "ribu", "ribuh": "ribu", "rbu": "ribu", "rb": "ribu", "rbx": "ribu", "ribo": "ribu",
    "ewu": "ribu", "rebo": "ribu", "ribuk": "ribu", "rebuan": "ribuan", "rbuan": "ribuan",
    "srebu": "sribu", "srimu": "sribu", "sribo": "sribu", "sribuh": "sribu",
    "serebu": "seribu", "seribuh": "seribu", "ceribu": "seribu",
    # juta / miliar
    "jt": "juta", "jeti": "juta", "jta": "juta", "jutah": "juta", "milyar": "miliar",
    "sejt": "sejuta", "sjuta": "sejuta", "sejutah": "sejuta",
    # puluh / belas / ratus
    "puhu": "puluh", "puuh": "puluh", "puh": "puluh", "pu": "puluh", "puru": "puluh", "puri": "puluh",
    "puhi": "puluh", "puluk": "puluh", "puruh": "puluh", "pulu": "puluh", "puloh": "puluh", "puluhh": "puluh",
    "pulo": "puluh", "puluhan": "puluh", "blas": "belas", "belasan": "belas", "belah": "belas",
    "ratu": "ratus", "ratos": "ratus", "ratusan": "ratus", "rats": "ratus",
    "sratus": "seratus", "seratu": "seratus", "saratu": "seratus", "saratus": "seratus", "sratu": "seratus", "ceratus": "seratus", "seratos": "seratus",
    "spuluh": "sepuluh", "sepulu": "sepuluh", "sepu": "sepuluh", "sepoloh": "sepuluh",
    "seblas": "sebelas",
    # digits
    "stu": "satu", "duwa": "dua", "tigo": "tiga", "ampat": "empat", "empt": "empat",
    "anam": "enam", "tuju": "tujuh", "tujo": "tujuh", "lapan": "delapan", "dlapan": "delapan",
    "delapn": "delapan", "smbilan": "sembilan", "sembilam": "sembilan", "semilan": "sembilan", "sambilan": "sembilan",
    "sembila": "sembilan", "empa": "empat", "sembilang": "sembilan",
    "sembilanx": "sembilan", "limah": "lima",
    "stengah": "setengah", "setenga": "setengah", "stenga": "setengah", "setengh": "setengah",
    # currency and cue words
    "rupiya": "rupiah", "rupiyah": "rupiah", "rupia": "rupiah", "ripiah": "rupiah", "rupi": "rupiah",
    "pia": "rupiah", "rupiahnya": "rupiah", "perak": "rupiah",
    "cuman": "cuma", "cumak": "cuma", "cumaa": "cuma", "kachuma": "cuma",
    "hrg": "harga", "hrga": "harga", "haga": "harga", "harg": "harga", "chorat": "coret", "corat": "coret",
    "tuma": "cuma", "chuma": "cuma", "harganyaa": "harganya", "kanya": "harganya",
    "aj": "aja", "ajah": "aja", "ajaa": "aja", "sja": "saja", "doank": "doang",
    "skrg": "sekarang", "skarang": "sekarang", "sekrang": "sekarang",
    "jd": "jadi", "jdi": "jadi", "jad": "jadi",
    "dpt": "dapat", "dapet": "dapat", "dpet": "dapat",
    "gk": "gak", "ga": "gak", "nggak": "gak", "enggak": "gak", "engga": "gak", "ngga": "gak",
    "tdk": "tidak", "bkn": "bukan",
    "yg": "yang", "dgn": "dengan", "utk": "untuk", "krn": "karena",
    "import": "impor", "imported": "impor", "imporan": "impor", "importan": "impor", "impot": "impor",
    "cina": "china", "tiongkok": "china", "cine": "china", "chinese": "china",
}

# Written abbreviations: normal spelling, not a repair by the grammar.
ABBREVIATIONS = {"rb", "rbu", "jt", "rban", "jtan", "hrg", "skrg", "yg", "dgn", "utk", "dpt", "jd", "tdk", "bkn"}

# Jakarta market slang for amounts (Hokkien numbers). These are unambiguous.
SLANG = {
    "seceng": 1_000, "ceceng": 1_000, "noceng": 2_000, "goceng": 5_000,
    "ceban": 10_000, "seceban": 10_000, "noban": 20_000, "goban": 50_000, "gocengan": 5_000,
    "cebanan": 10_000,
}
# These name small amounts (cepek 100, gopek 500, gocap 50, jigo 25) but are
# also used loosely for hundreds of thousands; only trusted with "ceng"
# (thousand) after them: "cepek ceng" is 100,000, "jigo ceng" 25,000.
AMBIGUOUS_SLANG = {"cepek": 100, "gopek": 500, "gocap": 50, "jigo": 25, "cepe": 100}

# --- cue words around numbers (all normalised) ---

SENTENCE_END = {".", "!", "?", ";"}
CURRENCY_BEFORE = {"rp", "idr", "rupiah"}
CURRENCY_AFTER = {"rupiah", "idr", "rp"}
# A bare number right after these is a price even without "ribu".
PRICE_BEFORE = {"harga", "harganya", "cuma", "hanya", "cukup", "jadi", "menjadi", "sekarang",
                "seharga", "dijual", "jual", "murah", "bayar", "tinggal", "promo", "khusus",
                "spesial", "special", "cuman", "senilai", "hargane", "pricenya",
                "price", "dibanderol", "banderol", "bandrol", "dilepas", "lepas", "obral"}
# Price words too weak to outweigh a non-price cue ("stoknya tinggal lima").
WEAK_PRICE_BEFORE = {"tinggal", "murah", "promo", "khusus", "spesial", "special", "lepas", "jual"}
PRICE_AFTER = {"aja", "saja", "doang", "rupiah", "only", "an"}
# The words after a number that make it a measurement or a count, not a price.
NONPRICE_AFTER = {
    "mah", "watt", "w", "volt", "v", "ml", "l", "liter", "litre", "cc", "cm", "mm", "meter", "m",
    "km", "inci", "inch", "senti", "centi", "sentimeter", "gram", "gr", "g", "kg", "kilo", "ons",
    "persen", "%", "derajat", "gb", "tb", "mb", "mp", "megapiksel", "megapixel", "hz", "jam", "menit",
    "detik", "hari", "minggu", "bulan", "tahun", "thn", "th", "kali", "x", "bintang", "star", "stars",
    "ulasan", "review", "reviews", "terjual", "sold", "followers", "follower", "pengikut", "penonton",
    "viewers", "orang", "warna", "varian", "variant", "motif", "model", "pilihan", "tipe", "seri",
    "lapis", "lantai", "sampai", "sampe", "hingga", "ke", "pertama", "kedua", "menit",
    "tahap", "langkah", "jenis", "macam", "anak", "dewasa", "gb", "core", "layer", "step", "in",
    "likes", "like", "suka", "komen", "komentar", "share", "rating", "sesi", "kota", "provinsi",
    "nomor", "nomer", "digit", "karakter", "huruf", "level", "pin", "ampere", "a", "mah.", "oz",
    "cm.", "mg", "mcg", "iu", "spf", "pa", "ton", "kwh", "rpm", "fps",
}
# After an amount said with ribu/juta, only these make it a count, not a price.
SCALED_NONPRICE_AFTER = {
    "terjual", "sold", "orang", "followers", "follower", "pengikut", "penonton", "viewers", "ulasan",
    "review", "reviews", "likes", "like", "komen", "komentar", "pembeli", "transaksi", "pesanan",
    "order", "kali", "x", "bintang", "member", "subscriber", "subscribers", "share", "mah", "km",
    "tahun", "unit", "stok", "pcs", "biji", "pasang", "lusin", "lembar", "buah", "kg", "ton",
    "paket", "pertama", "terakhir", "pembelian", "peserta", "pemenang", "item", "produk",
}
# "tiga ribu yang nonton": a count of people.
COUNTED_AFTER_YANG = {"nonton", "menonton", "beli", "membeli", "checkout", "order", "follow", "like",
                      "join", "gabung", "sudah", "udah", "hadir", "komen", "share", "pesan"}
# Quantity units after a number: factor per unit ("1 lusin" is 12).
QTY_UNITS = {
    "pcs": 1, "pc": 1, "pcs.": 1, "biji": 1, "buah": 1, "pasang": 1, "psg": 1, "lusin": 12,
    "kodi": 20, "lembar": 1, "lbr": 1, "potong": 1, "helai": 1, "botol": 1, "pack": 1, "pak": 1,
    "bungkus": 1, "unit": 1, "item": 1, "set": 1, "box": 1, "kotak": 1, "pasangan": 1, "piece": 1,
    "pieces": 1, "tube": 1, "pot": 1, "sachet": 1, "renteng": 1, "roll": 1, "gulung": 1, "stel": 1,
    "setel": 1, "kaleng": 1, "dus": 1,
}
QTY_WORDS = {"sepasang": 1, "selusin": 12, "sekodi": 20, "sebiji": 1, "sebuah": 1, "selembar": 1,
             "sepotong": 1, "sebotol": 1, "seset": 1, "sebungkus": 1, "sepaket": 1}
# Words before a small number that make it a quantity: "isi enam", "dapat dua".
QTY_BEFORE = {"isi", "isinya", "dapat", "beli", "ambil", "borong", "dapatnya", "free", "gratis",
              "bonus", "plus", "total", "sebanyak", "jumlah", "order", "checkout", "co", "paket",
              "bundling", "bundle"}
# Words before a number that make it something other than a price, whatever
# price words come between ("stoknya tinggal lima").
STRONG_NONPRICE_BEFORE = {
    "ukuran", "size", "uk", "no", "nomor", "nomer", "nmr", "kode", "stok", "stoknya", "stock",
    "sisa", "sisanya", "tersisa", "jam", "pukul", "rating", "ratingnya", "spf", "tipe", "type",
    "seri", "series", "versi", "umur", "usia", "tahun", "terjual", "antrian", "resi", "iphone",
    "ip", "galaxy", "redmi", "oppo", "vivo", "samsung", "xiaomi", "realme", "infinix", "poco",
    "lebar", "panjang", "tinggi", "berat", "kapasitas", "baterai", "daya", "lingkar", "ld", "pb",
    "lp", "tanggal", "tgl", "angka", "level", "part", "episode", "ep", "gen", "generasi", "kamar",
    "lantai", "garansi", "bintang", "nonton", "ditonton", "penonton", "viewers", "followers",
    "top", "ulasan", "review", "tersedia", "nomornya", "pesanan", "order", "antri",
}
# Amounts after these are discounts, vouchers or thresholds, unless a price
# word comes between ("pakai voucher, harga jadi 50 ribu").
WEAK_NONPRICE_BEFORE = {
    "atas", "voucher", "vocer", "kupon", "cashback", "potongan", "hemat", "ongkir", "minimal", "min",
    "minimum", "belanja", "maksimal", "max", "maks", "bonus", "subsidi", "pembelian", "cicilan",
    "dp", "saldo", "koin", "poin", "tambah", "tambahan", "selisih", "untung", "komisi",
    "ongkirnya", "ongkos", "modal", "modalnya", "kembalian", "kembali", "uang", "lebih", "denda",
    "biaya", "admin", "pajak", "asuransi", "packing", "kirim",
}
# Before a price, these make it a competitor's or the market's price.
COMPETITOR = {"sebelah", "lain", "mall", "mal", "pasaran", "kompetitor", "sana", "disana", "luaran",
              "offline", "butik", "outlet", "reseller"}
# Before a price, these make it the crossed-out / normal price.
LIST_BEFORE = {"normal", "normalnya", "coret", "coretnya", "asli", "aslinya", "biasanya", "biasa",
               "sebelumnya", "awal", "awalnya", "semula", "retail", "banderol", "bandrol",
               "dibanderol", "pricelist", "harga_normal", "kemarin", "kemaren", "tadinya", "harusnya",
               "seharusnya", "mestinya"}
SALE_BEFORE = {"jadi", "menjadi", "sekarang", "tinggal", "cuma", "hanya", "cukup", "promo",
               "diskon", "khusus", "spesial", "special", "flash", "hari", "live", "langsung",
               "turun", "dibanting", "banting"}
CORRECTION = {"salah", "ralat", "maksudnya", "maksud", "koreksi", "keliru", "sorry", "sori", "maaf"}
FILLERS = {"eh", "em", "emm", "hmm", "ehm", "eee", "ee", "anu", "apa", "ya", "oh"}
NEGATION = {"gak", "tidak", "bukan", "no", "nope", "nggak", "tak", "ndak", "nda", "enggak"}
DISCOUNT = {"diskon", "disc", "discount", "potongan", "off", "sale", "hemat", "potong"}
# Words that never name a product, skipped when the product is described
# in words outside the catalog ("payung lipat ini ...").
STOPWORDS = {
    "ini", "itu", "nya", "kak", "kakak", "ka", "ya", "yang", "dan", "juga", "ada", "sama", "buat",
    "untuk", "kita", "kami", "aku", "saya", "guys", "gaes", "bun", "sis", "gan", "bang", "mas", "mbak",
    "lagi", "nih", "tuh", "dong", "deh", "sih", "loh", "lho", "kan", "ok", "oke", "okay", "nah",
    "eh", "ah", "oh", "wah", "yuk", "ayo", "hayo", "jangan", "lupa", "harga", "harganya", "cuma",
    "hanya", "aja", "saja", "jadi", "sekarang", "murah", "banget", "bgt", "sekali", "pokoknya",
    "terus", "trus", "lalu", "lanjut", "selanjutnya", "berikutnya", "next", "yg", "di", "ke",
    "dari", "dengan", "pakai", "pake", "tapi", "atau", "karena", "cukup", "semua", "ready", "stok",
    "promo", "diskon", "spesial", "khusus", "hari", "live", "the", "and", "for", "is", "just",
    "only", "mau", "bisa", "udah", "sudah", "baru", "cek", "checkout", "keranjang", "kuning",
    "langsung", "dijual", "jual", "seharga", "kalau", "kalo", "klo", "kayak", "gitu", "gini",
    "sini", "sana", "situ", "toko", "kok", "masih", "normal", "rp", "idr", "rupiah", "cuman",
}


def _known() -> frozenset:
    """Every word some rule here knows: a short word outside it, between two
    number words, is most likely a number word ASR garbled."""
    words = set(NUMBER_WORDS) | set(VARIANTS.values()) | set(SLANG) | set(AMBIGUOUS_SLANG)
    for name, value in list(globals().items()):
        if name.isupper() and isinstance(value, (set, frozenset, dict)) and name != "VARIANTS":
            words |= set(value)
    return frozenset(words)


KNOWN_WORDS = _known()
