"""Route realistic complaints through the sample NTB configuration in config/."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import load_config
from router import compile_router

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def router():
    """Compile the router once from the sample configuration shipped in config/."""
    result = load_config(CONFIG_DIR, env={})
    assert result.errors == []
    return compile_router(result.config)


# (label, text, route() keyword arguments, agency, rule, region, region_source)
CASES = [
    # Disasters come first and are urgent; BPBD of the regency, found up from the district.
    ("banjir-bandang-district", "Banjir bandang lg di desa kami kec. Woha, rumah warga terendam, mohon bantuan segera!!", {}, "bpbd-bima", "bencana-alam", "bima-woha", "text"),
    ("longsor-prefix", "Tanah longsornya menutup jalan ke dusun kami di Sembalun, lombok timur", {}, "bpbd-lotim", "bencana-alam", "lombok-timur", "text"),
    ("gempa-district-beats-regency", "Rumah sy rusak berat akibat gempa kmrn di Bayan KLU, blm ada bantuan", {}, "bpbd-klu", "bencana-alam", "klu-bayan", "text"),
    ("banjir-before-drainase", "Drainase tersumbat, tiap hujan jalan depan rumah banjir. Cakranegara", {}, "bpbd-mataram", "bencana-alam", "mataram-cakranegara", "text"),
    ("kebakaran-hutan", "Kebakaran hutan di lereng Rinjani dekat Sambelia, api makin besar", {}, "bpbd-lotim", "bencana-alam", "lotim-sambelia", "text"),
    ("puting-beliung-upper-case", "ANGIN PUTING BELIUNG merobohkan 5 rumah di Sape, Kabupaten Bima", {}, "bpbd-bima", "bencana-alam", "bima-sape", "text"),
    # Dialysis before general health.
    ("cuci-darah-phrase", "Ibu sy pasien cuci darah di RSUD Praya, jadwal HD dibatalkan sepihak", {}, "dinkes-loteng", "cuci-darah", "lombok-tengah", "text"),
    ("hemodialisa-puskesmas-unit", "Jadwal hemodialisa bapak sy ditunda terus, kami tinggal di Aikmel", {}, "puskesmas-aikmel", "cuci-darah", "lotim-aikmel", "text"),
    # Pungli goes to one agency, whatever the topic and the region.
    ("pungli-before-school", "Ada pungli di SDN 2 Masbagik, tiap siswa dimintai 150rb utk perpisahan", {}, "inspektorat-ntb", "pungli", "lotim-masbagik", "text"),
    ("suap-prefix", "Ketahuan suapnya 5 jt utk lolos seleksi perangkat desa, Dompu", {}, "inspektorat-ntb", "pungli", "dompu", "text"),
    ("calo-before-ktp", "Urus e-KTP di dukcapil Lotim hrs lewat calo, bayar 200rb", {}, "inspektorat-ntb", "pungli", "lombok-timur", "text"),
    ("uang-pelicin-phrase", "Diminta UANG PELICIN 500 ribu utk izin usaha di Kota Mataram", {}, "inspektorat-ntb", "pungli", "kota-mataram", "text"),
    # Labour: before health, so "BPJS Ketenagakerjaan" is not taken as BPJS Kesehatan.
    ("bpjs-ketenagakerjaan-not-health", "Klaim JHT BPJS Ketenagakerjaan sy sdh 3 bln blm cair, sy tinggal di Mataram", {}, "disnakertrans-ntb", "ketenagakerjaan", "kota-mataram", "text"),
    ("phk-pesangon-pemenang-not-alias", "Sy di-PHK sepihak oleh hotel di Gili Trawangan, pesangon tdk dibayar. Pemenang, KLU", {}, "disnakertrans-ntb", "ketenagakerjaan", "lombok-utara", "text"),
    ("gaji-guru-none-falls-to-school", "Gaji guru honorer di SDN 1 Terara blm dibayar 4 bulan", {}, "disdik-lotim", "pendidikan", "lotim-terara", "text"),
    ("tkw-district", "Adik sy TKW di Malaysia tdk bisa pulang, paspor ditahan majikan. Sakra, Lotim", {}, "disnakertrans-ntb", "ketenagakerjaan", "lotim-sakra", "text"),
    ("thr-umk", "THR blm dibayar, upah di bawah UMK, perusahaan di Sumbawa Besar", {}, "disnakertrans-ntb", "ketenagakerjaan", "sumbawa", "text"),
    # Medicine stock-outs by regular expression, before general health.
    ("obat-kosong-pattern", "Obat di PKM Pujut kosong sdh 2 minggu", {}, "dinkes-loteng", "obat-kosong", "loteng-pujut", "text"),
    ("obat-obatan-habis-pattern", "Stok obat-obatan di RSUD Selong habis, pasien disuruh beli di luar", {}, "dinkes-lotim", "obat-kosong", "lombok-timur", "text"),
    ("obatnya-langka-accent-region", "Obatnya langka di RS Kota Mataràm", {}, "dinkes-mataram", "obat-kosong", "kota-mataram", "text"),
    ("kehabisan-obat-accent-keyword", "Pùskesmas Ampenan kehabisan obat", {}, "puskesmas-ampenan", "obat-kosong", "mataram-ampenan", "text"),
    # General health, abbreviations, whole words, phrases and prefixes.
    ("pkm-abbreviation", "pelayanan di pkm masbagik lambat bgt, dokter blm dtg jam 10", {}, "dinkes-lotim", "layanan-kesehatan", "lotim-masbagik", "text"),
    ("puskesmas-unit", "Petugas Puskesmas Aikmel judes ke pasien lansia", {}, "puskesmas-aikmel", "layanan-kesehatan", "lotim-aikmel", "text"),
    ("rs-abbreviation", "RS menolak pasien BPJS, katanya kamar penuh. Sy dr Gerung", {}, "dinkes-lobar", "layanan-kesehatan", "lobar-gerung", "text"),
    ("kursi-is-not-rs", "Bantuan kursi roda utk anak disabilitas blm diterima, Narmada", {}, "dinsos-lobar", "bantuan-sosial", "lobar-narmada", "text"),
    ("rumah-sakit-phrase", "Antrian di rumah sakit umum Bima lama sekali", {}, "dinkes-bima", "layanan-kesehatan", "bima", "text"),
    ("rumah-sakit-words-apart", "Sampah menumpuk, banyak rumah warga sakit diare. Ampenan", {}, "dlh-mataram", "lingkungan-hidup", "mataram-ampenan", "text"),
    ("posyandu-stunting", "Posyandu di dusun kami tdk aktif lg, bnyk balita stunting. Jonggat", {}, "dinkes-loteng", "layanan-kesehatan", "loteng-jonggat", "text"),
    ("dokter-hewan-none-to-triage", "Dokter hewan tdk pernah datang, sapi warga banyak yg mati. Kempo", {}, "ntb-care", None, "dompu-kempo", "text"),
    ("kis-kota-bima-not-bima", "KIS sy tdk aktif pdhl sy warga miskin, Kota Bima", {}, "dinkes-kotabima", "layanan-kesehatan", "kota-bima", "text"),
    ("ambulans-prefix", "Ambulans desa tdk bisa dipakai warga, Sekotong", {}, "dinkes-lobar", "layanan-kesehatan", "lobar-sekotong", "text"),
    ("vaksin-prefix-before-school", "Vaksinasi MR di SD anak sy bikin demam, tdk ada petugas yg tanggung jawab. Woja", {}, "dinkes-dompu", "layanan-kesehatan", "dompu-woja", "text"),
    ("obat-obatan-prefix", "Pemberian obat-obatan di pustu tdk sesuai resep", {}, "dinkes-ntb", "layanan-kesehatan", "ntb", "default"),
    ("obatnya-prefix", "Obatnya bikin alergi, petugas cuek aja", {}, "dinkes-ntb", "layanan-kesehatan", "ntb", "default"),
    ("posyandu-klu", "Posyandu tdk buka lg di KLU", {}, "dinkes-klu", "layanan-kesehatan", "lombok-utara", "text"),
    ("district-named-after-regency", "Lombok Timur, kec. Aikmel: bidan desa jarang ada", {}, "puskesmas-aikmel", "layanan-kesehatan", "lotim-aikmel", "text"),
    ("sumbawa-barat-not-sumbawa", "BPJS ditolak di RSUD Sumbawa Barat", {}, "dinkes-ksb", "layanan-kesehatan", "sumbawa-barat", "text"),
    ("sumbawa-besar", "BPJS ditolak di RSUD Sumbawa Besar", {}, "dinkes-sumbawa", "layanan-kesehatan", "sumbawa", "text"),
    ("kabupaten-bima-name", "Dokter di Kabupaten Bima jarang ada di tempat", {}, "dinkes-bima", "layanan-kesehatan", "bima", "text"),
    # Social aid.
    ("pkh-dicoret", "Nama sy dicoret dr PKH pdhl msh layak, tolong dicek. Batukliang", {}, "dinsos-loteng", "bantuan-sosial", "loteng-batukliang", "text"),
    ("blt-bpnt-city-district", "BLT dan BPNT tdk sampai ke warga di Asakota", {}, "dinsos-kotabima", "bantuan-sosial", "kotabima-asakota", "text"),
    ("dtks-default-region", "Data DTKS tdk diperbarui, org mampu malah dpt bansos", {}, "dinsos-ntb", "bantuan-sosial", "ntb", "default"),
    # Biro Kesra before schools.
    ("beasiswa-city-beats-province", "Beasiswa NTB utk mahasiswa blm cair, sy kuliah di Mataram", {}, "biro-kesra-ntb", "kesra-beasiswa-hibah", "kota-mataram", "text"),
    ("guru-ngaji-phrase-before-guru", "Insentif guru ngaji di desa kami blm dibayar, Lombok Tengah", {}, "biro-kesra-ntb", "kesra-beasiswa-hibah", "lombok-tengah", "text"),
    # Schools: SMA/SMK to the province by agency, the rest by jurisdiction.
    ("sman-exact-agency", "PPDB SMAN 1 Selong tdk transparan, zonasi dimanipulasi", {}, "dikbud-ntb", "sma-smk-slb", "lombok-timur", "text"),
    ("smk-taliwang", "SMK di Taliwang minta uang komite 1 jt", {}, "dikbud-ntb", "sma-smk-slb", "sumbawa-barat", "text"),
    ("ijazah-sekolahnya", "Ijazah anak sy ditahan sekolahnya krn blm lunas, Cakranegara", {}, "disdik-mataram", "pendidikan", "mataram-cakranegara", "text"),
    ("sd-no-regency-office", "Atap ruang kelas SD di Woha mau roboh, murid belajar di luar", {}, "dikbud-ntb", "pendidikan", "bima-woha", "text"),
    ("ppdb-smp-praya", "ppdb smp negeri di praya pakai sistem titipan", {}, "disdik-loteng", "pendidikan", "lombok-tengah", "text"),
    # Clean water: a Lombok Timur rule, perkim elsewhere.
    ("air-bersih-lotim-rule", "Sdh sebulan tdk ada air bersih di Pringgabaya, sumur kering", {}, "bpbd-lotim", "kekeringan-lotim", "lotim-pringgabaya", "text"),
    ("pdam-outside-lotim", "Air PDAM mati 3 hari di Sekarbela", {}, "disperkim-ntb", "perumahan-permukiman", "mataram-sekarbela", "text"),
    ("air-bersih-given-lotim", "krisis air bersih di dusun kami", {"region": "lombok-timur"}, "bpbd-lotim", "kekeringan-lotim", "lombok-timur", "given"),
    ("air-bersih-default-region", "krisis air bersih di dusun kami", {}, "disperkim-ntb", "perumahan-permukiman", "ntb", "default"),
    ("rtlh", "Rumah sy tdk layak huni, sdh diusulkan RTLH 3 thn blm ada kabar. Lingsar", {}, "disperkim-ntb", "perumahan-permukiman", "lobar-lingsar", "text"),
    # Roads, bridges, irrigation.
    ("jalan-rusak-phrase", "Jalan rusak parah di Jereweh, banyak kecelakaan", {}, "pupr-ksb", "jalan-jembatan-irigasi", "ksb-jereweh", "text"),
    ("jembatan-prefix", "Jembatannya putus sejak bulan lalu, warga hrs nyebrang sungai. Bolo, Bima", {}, "pupr-bima", "jalan-jembatan-irigasi", "bima-bolo", "text"),
    ("all-words-apart", "Jalanan menuju dusun kami sdh 5 thn rusak, tdk pernah diperbaiki. Kopang", {}, "pupr-loteng", "jalan-rusak", "loteng-kopang", "text"),
    ("all-needs-every-word", "Jalanan menuju dusun kami gelap, tdk ada lampu. Kopang", {}, "ntb-care", None, "loteng-kopang", "text"),
    ("irigasi-sumbawa-barat", "Saluran irigasi di Sumbawa Barat jebol, sawah warga tdk dapat air", {}, "pupr-ksb", "jalan-jembatan-irigasi", "sumbawa-barat", "text"),
    ("aspal-prefix", "Aspalnya baru 2 bulan sdh mengelupas, proyek asal2an di Gunungsari", {}, "pupr-lobar", "jalan-jembatan-irigasi", "lobar-gunungsari", "text"),
    ("jembatan-punctuation", "JEMBATAN...RUSAK!!! di desa kami (Lingsar)", {}, "pupr-lobar", "jalan-jembatan-irigasi", "lobar-lingsar", "text"),
    ("lobar-abbreviation", "Jalan berlubang di Lobar blm diperbaiki", {}, "pupr-lobar", "jalan-jembatan-irigasi", "lombok-barat", "text"),
    # Environment: mines, quarries and forests to the province's DLHK by agency; waste and pollution to the
    # regency's or city's DLH by jurisdiction.
    ("tambang-ilegal-pattern", "Tambang emas ilegal di Sekotong merusak sungai", {}, "dlhk-ntb", "tambang-ilegal", "lobar-sekotong", "text"),
    ("penambangan-liar-pattern", "Penambangan pasir liar di sungai desa, Jonggat", {}, "dlhk-ntb", "tambang-ilegal", "loteng-jonggat", "text"),
    ("limbah-lotim-regency-dlh", "Limbah pabrik tembakau mencemari sungai di Masbagik Lombok Timur", {}, "dlh-lotim", "lingkungan-hidup", "lotim-masbagik", "text"),
    ("penebangan-liar-phrase", "Penebangan liar di hutan Sambelia makin parah", {}, "dlhk-ntb", "hutan-dan-galian-c", "lotim-sambelia", "text"),
    ("galian-c-to-province", "Galian C di sungai Woha bikin air keruh", {}, "dlhk-ntb", "hutan-dan-galian-c", "bima-woha", "text"),
    ("sampah-kota-mataram", "Sampah numpuk di Kota Mataram", {}, "dlh-mataram", "lingkungan-hidup", "kota-mataram", "text"),
    # Village government and funds: the regency's Inspektorat; money demanded is pungli (above).
    ("dana-desa-district", "Penggunaan dana desa di desa kami tdk transparan, APBDes tdk pernah diumumkan. Sakra", {}, "inspektorat-lotim", "pemerintahan-desa", "lotim-sakra", "text"),
    ("kades-abbreviation", "Kades kami jarang masuk kantor, surat-surat lama sekali, Woha", {}, "inspektorat-bima", "pemerintahan-desa", "bima-woha", "text"),
    ("perangkat-desa-pay-not-labour", "Gaji perangkat desa blm dibayar 3 bulan, Bayan KLU", {}, "inspektorat-klu", "pemerintahan-desa", "klu-bayan", "text"),
    # Transport: the regency's or city's Dishub, the province's without a place; a damaged road stays PUPR's.
    ("lampu-lalu-lintas-city", "Lampu lalu lintas di perempatan Cakranegara mati sejak kemarin", {}, "dishub-mataram", "perhubungan", "mataram-cakranegara", "text"),
    ("lampu-lalu-lintas-default-region", "Lampu lalu lintas di perempatan mati sejak kemarin", {}, "dishub-ntb", "perhubungan", "ntb", "default"),
    ("parkir-liar-regency", "Juru parkir liar di depan pasar Praya minta 5 ribu", {}, "dishub-loteng", "perhubungan", "lombok-tengah", "text"),
    ("bus-inquiry-regency", "Mohon info jadwal bus DAMRI ke Sembalun, Lotim", {"kind": "inquiry"}, "dishub-lotim", "perhubungan", "lombok-timur", "text"),
    ("road-to-terminal-is-pupr", "Jalan ke terminal Selong rusak parah", {}, "pupr-lotim", "jalan-rusak", "lombok-timur", "text"),
    # Permits: the one-stop service office (DPMPTSP) of the regency; "izin bertanya" asks for nothing.
    ("izin-usaha-oss", "Sdh 3 bln urus izin usaha di DPMPTSP Lotim blm selesai, katanya sistem OSS error", {}, "dpmptsp-lotim", "perizinan", "lombok-timur", "text"),
    ("imb-taliwang", "Pengurusan IMB di Taliwang dipersulit, berkas bolak balik", {}, "dpmptsp-ksb", "perizinan", "sumbawa-barat", "text"),
    ("izin-bertanya-is-no-permit", "Izin bertanya, kapan pendaftaran PPPK dibuka?", {}, "ntb-care", None, "ntb", "default"),
    # Cooperatives and small business.
    ("koperasi-selong", "Koperasi simpan pinjam di Selong tdk mengembalikan simpanan anggota", {}, "diskop-ukm-ntb", "koperasi-umkm", "lombok-timur", "text"),
    ("kur-dompu", "Pengajuan KUR sy ditolak bank pdhl usaha sdh jalan 3 thn, Dompu", {}, "diskop-ukm-ntb", "koperasi-umkm", "dompu", "text"),
    # Public services.
    ("akta-prefix", "Aktanya salah nama, sdh 3x bolak balik ke kantor blm diperbaiki. Lombok Barat", {}, "biro-organisasi-ntb", "pelayanan-publik", "lombok-barat", "text"),
    ("e-ktp-punctuation", "e-KTP blm jadi 6 bulan, alasannya blanko habis. Praya", {}, "biro-organisasi-ntb", "pelayanan-publik", "lombok-tengah", "text"),
    ("kartu-keluarga-kota-bima", "Kartu Keluarga tdk bisa dicetak krn jaringan offline, Kota Bima", {}, "biro-organisasi-ntb", "pelayanan-publik", "kota-bima", "text"),
    ("province-alias-from-text", "Pelayanan lambat di kantor2 pemprov NTB", {}, "biro-organisasi-ntb", "pelayanan-publik", "ntb", "text"),
    # Channel condition.
    ("darurat-by-sms", "DARURAT!! tolong kirim bantuan ke Maluk", {"channel": "sms"}, "bpbd-ksb", "darurat-pesan-singkat", "ksb-maluk", "text"),
    ("darurat-by-web-not-routed", "DARURAT!! tolong kirim bantuan ke Maluk", {"channel": "web"}, "ntb-care", None, "ksb-maluk", "text"),
    ("sos-by-whatsapp", "SOS", {"channel": "whatsapp"}, "bpbd-ntb", "darurat-pesan-singkat", "ntb", "default"),
    # Kind condition: aspirations no topical rule took.
    ("aspiration-catch-all", "Mohon dibangun taman bermain anak di Selaparang", {"kind": "aspiration"}, "biro-organisasi-ntb", "aspirasi-warga", "mataram-selaparang", "text"),
    ("same-text-as-complaint", "Mohon dibangun taman bermain anak di Selaparang", {}, "ntb-care", None, "mataram-selaparang", "text"),
    ("aspiration-topic-rule-first", "Usul agar jalan rusak di Kopang segera diaspal", {"kind": "aspiration"}, "pupr-loteng", "jalan-jembatan-irigasi", "loteng-kopang", "text"),
    # A region given by the form or the channel beats the text.
    ("given-region-beats-text", "Puskesmas di Aikmel tutup jam 11", {"region": "kota-mataram"}, "dinkes-mataram", "layanan-kesehatan", "kota-mataram", "given"),
    ("given-district-unit", "Puskesmas tutup jam 11, petugas tdk ada", {"region": "lotim-aikmel"}, "puskesmas-aikmel", "layanan-kesehatan", "lotim-aikmel", "given"),
    # Nothing matches: triage.
    ("no-match-default-region", "Tolong tanggapi masalah kami, sudah lama tidak ada kejelasan", {}, "ntb-care", None, "ntb", "default"),
    ("no-match-inquiry-region-text", "Mohon info kapan hasil seleksi diumumkan, sy di Lotim", {"kind": "inquiry"}, "ntb-care", None, "lombok-timur", "text"),
]


@pytest.mark.parametrize(
    ("text", "kwargs", "agency", "rule", "region", "region_source"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_routes_complaint(router, text, kwargs, agency, rule, region, region_source):
    """Route each complaint to the expected agency, rule and region."""
    decision = router.route(text, **kwargs)
    assert (decision.agency, decision.rule, decision.region, decision.region_source) == (
        agency,
        rule,
        region,
        region_source,
    )
    assert decision.status == ("triage" if rule is None else "assigned")


def test_case_labels_are_unique():
    """Keep every row of the table findable by its label."""
    labels = [row[0] for row in CASES]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("text", "kwargs", "category", "priority"),
    [
        pytest.param("Longsor di Pujut, akses desa tertutup", {}, "bencana", "urgent", id="disaster-urgent"),
        pytest.param("Jadwal cuci darah ditunda", {}, "kesehatan", "urgent", id="dialysis-urgent"),
        pytest.param("Obat di pkm kosong", {}, "obat", "high", id="stock-out-high"),
        pytest.param("Ada pungli di kantor desa", {}, "pungli", "high", id="pungli-high"),
        pytest.param("Dokter jarang ada di pkm", {}, "kesehatan", "normal", id="health-normal"),
        pytest.param("Mohon dibangun taman", {"kind": "aspiration"}, "aspirasi", "low", id="aspiration-low"),
    ],
)
def test_rule_sets_category_and_priority(router, text, kwargs, category, priority):
    """Take the category and priority from the matching rule's `then`."""
    decision = router.route(text, **kwargs)
    assert (decision.category, decision.priority) == (category, priority)


def test_triage_decision_names_the_triage_agency(router):
    """Send an unroutable complaint to the triage team with no rule and no service."""
    decision = router.route("Halo, sy mau tanya sesuatu")
    assert decision.status == "triage"
    assert decision.rule is None
    assert decision.agency == "ntb-care"
    assert decision.agency_name == "Tim NTB Care"


def test_decision_explains_the_match(router):
    """List the words that matched and the jurisdiction steps taken."""
    decision = router.route("Petugas Puskesmas Aikmel judes")
    assert decision.matched
    assert any("puskesmas" in word.lower() for word in decision.matched)
    assert decision.steps
    assert decision.region_name == "Kecamatan Aikmel"
    assert decision.service == "kesehatan"
