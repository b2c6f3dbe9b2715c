"""The demo city's vocabulary: departments (OPD), districts, schools, apps and event sites."""

from __future__ import annotations

from dataclasses import dataclass

CITY = "Kota Demo"
DOMAIN = "kotademo.example"


@dataclass(frozen=True)
class Department:
    """One OPD (perangkat daerah): a short code used in host names and its full name."""

    code: str
    name: str


DEPARTMENTS: tuple[Department, ...] = tuple(Department(c, n) for c, n in (
    ("diskominfo", "Dinas Komunikasi dan Informatika"),
    ("dinkes", "Dinas Kesehatan"),
    ("disdik", "Dinas Pendidikan"),
    ("dishub", "Dinas Perhubungan"),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("dinsos", "Dinas Sosial"),
    ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("dlh", "Dinas Lingkungan Hidup"),
    ("disparbud", "Dinas Pariwisata dan Kebudayaan"),
    ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("disnaker", "Dinas Tenaga Kerja"),
    ("diskopukm", "Dinas Koperasi dan Usaha Mikro"),
    ("disdag", "Dinas Perdagangan dan Perindustrian"),
    ("dispora", "Dinas Pemuda dan Olahraga"),
    ("dispusip", "Dinas Perpustakaan dan Kearsipan"),
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan"),
    ("dkpp", "Dinas Ketahanan Pangan dan Pertanian"),
    ("disperkim", "Dinas Perumahan dan Kawasan Permukiman"),
    ("dp3a", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"),
    ("dppkb", "Dinas Pengendalian Penduduk dan Keluarga Berencana"),
    ("bkpsdm", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
    ("bappeda", "Badan Perencanaan Pembangunan Daerah"),
    ("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("bapenda", "Badan Pendapatan Daerah"),
    ("bpbd", "Badan Penanggulangan Bencana Daerah"),
    ("kesbangpol", "Badan Kesatuan Bangsa dan Politik"),
    ("brida", "Badan Riset dan Inovasi Daerah"),
    ("inspektorat", "Inspektorat Daerah"),
    ("setda", "Sekretariat Daerah"),
    ("setwan", "Sekretariat DPRD"),
    ("satpolpp", "Satuan Polisi Pamong Praja"),
    ("rsud", "RSUD Kota Demo"),
    ("ukpbj", "Bagian Pengadaan Barang dan Jasa"),
    ("kec-sukajadi", "Kecamatan Sukajadi"),
    ("kec-sukamaju", "Kecamatan Sukamaju"),
    ("kec-mekarsari", "Kecamatan Mekarsari"),
    ("kec-sindangsari", "Kecamatan Sindangsari"),
    ("kec-karanganyar", "Kecamatan Karanganyar"),
    ("kec-tanjungsari", "Kecamatan Tanjungsari"),
    ("kec-sumberrejo", "Kecamatan Sumberrejo"),
))

# Nine kelurahan per kecamatan; their sites belong to the kecamatan.
KELURAHAN: dict[str, tuple[str, ...]] = {
    "kec-sukajadi": ("Sukajadi", "Sukagalih", "Sukabungah", "Cipedes", "Pasteur", "Sukawarna",
                     "Sukarasa", "Gegerkalong", "Isola"),
    "kec-sukamaju": ("Sukamaju", "Sukamulya", "Sukaresmi", "Mekarwangi", "Cibogo", "Ciroyom",
                     "Padasuka", "Jatimulya", "Margahayu"),
    "kec-mekarsari": ("Mekarsari", "Mekarjaya", "Mekarmulya", "Cisaranten", "Pasirjati",
                      "Pasirwangi", "Cigending", "Palasari", "Sindanglaya"),
    "kec-sindangsari": ("Sindangsari", "Sindangjaya", "Babakan", "Cikutra", "Neglasari",
                        "Cihaurgeulis", "Sukaluyu", "Pasirlayung", "Karangpamulang"),
    "kec-karanganyar": ("Karanganyar", "Karangrejo", "Tegalrejo", "Wonosari", "Ngadirejo",
                        "Purwosari", "Kebonsari", "Sidomulyo", "Banjarsari"),
    "kec-tanjungsari": ("Tanjungsari", "Tanjungmas", "Tanjungrejo", "Kedungsari", "Bandarharjo",
                        "Kuningan", "Panggung", "Dadapsari", "Kemijen"),
    "kec-sumberrejo": ("Sumberrejo", "Sumbersari", "Sumberagung", "Gedongkiwo", "Patangpuluhan",
                       "Wirobrajan", "Pakuncen", "Ngampilan", "Notoprajan"),
}

SD_COUNT = 180
SMP_COUNT = 48
PUSKESMAS = ("Sukajadi", "Pasteur", "Sukamaju", "Cibogo", "Mekarsari", "Cisaranten", "Babakan",
             "Cikutra", "Karanganyar", "Tegalrejo", "Wonosari", "Tanjungsari", "Kuningan",
             "Sumberrejo", "Wirobrajan", "Ngampilan", "Padasuka", "Palasari", "Isola", "Kemijen",
             "Neglasari", "Sidomulyo", "Banjarsari", "Panggung", "Gedongkiwo", "Pakuncen",
             "Margahayu", "Jatimulya", "Gegerkalong", "Cigending", "Kebonsari", "Purwosari",
             "Dadapsari", "Sukaluyu", "Pasirjati")

# (department code, host label, name, kind, software profile) of the city's named systems.
APPS: tuple[tuple[str, str, str, str, str], ...] = (
    ("diskominfo", "www", "Portal Resmi Pemerintah Kota Demo", "website", "wordpress"),
    ("diskominfo", "lapor", "LAPOR! Pengaduan Masyarakat", "webapp", "laravel"),
    ("diskominfo", "satudata", "Portal Satu Data Kota Demo", "webapp", "ckan"),
    ("diskominfo", "mail", "Webmail Pemerintah Kota", "webapp", "roundcube"),
    ("diskominfo", "sso", "Single Sign-On ASN", "webapp", "keycloak"),
    ("diskominfo", "eoffice", "E-Office Naskah Dinas", "webapp", "laravel"),
    ("diskominfo", "tte", "Tanda Tangan Elektronik", "webapp", "laravel"),
    ("diskominfo", "helpdesk", "Helpdesk TIK", "webapp", "glpi"),
    ("diskominfo", "statistik", "Statistik Sektoral", "webapp", "codeigniter"),
    ("diskominfo", "cctv", "Portal Live CCTV Kota", "webapp", "laravel"),
    ("diskominfo", "hotspot", "Portal Wi-Fi Publik", "webapp", "codeigniter"),
    ("diskominfo", "spbe", "Portal SPBE", "website", "wordpress"),
    ("diskominfo", "api", "API Gateway Pemerintah Kota", "webapp", "nginx"),
    ("diskominfo", "112", "Layanan Darurat 112", "webapp", "laravel"),
    ("setda", "jdih", "JDIH Produk Hukum Daerah", "webapp", "codeigniter"),
    ("setda", "sirup", "Rencana Umum Pengadaan", "webapp", "codeigniter"),
    ("setda", "prokopim", "Protokol dan Komunikasi Pimpinan", "website", "wordpress"),
    ("bkpsdm", "simpeg", "Sistem Informasi Kepegawaian", "webapp", "laravel"),
    ("bkpsdm", "ekinerja", "E-Kinerja ASN", "webapp", "laravel"),
    ("bkpsdm", "absensi", "Absensi Online ASN", "webapp", "codeigniter"),
    ("bkpsdm", "cat", "Computer Assisted Test", "webapp", "codeigniter"),
    ("bpkad", "simda", "SIMDA Keuangan", "webapp", "iis"),
    ("bpkad", "ebudgeting", "E-Budgeting", "webapp", "laravel"),
    ("bpkad", "aset", "Sistem Informasi Aset Daerah", "webapp", "codeigniter"),
    ("bapenda", "epbb", "E-PBB Pajak Bumi dan Bangunan", "webapp", "laravel"),
    ("bapenda", "ebphtb", "E-BPHTB", "webapp", "laravel"),
    ("bapenda", "pajakonline", "Pajak Daerah Online", "webapp", "laravel"),
    ("bapenda", "eretribusi", "E-Retribusi Pembayaran Online", "webapp", "laravel"),
    ("rsud", "simrs", "SIMRS RSUD Kota Demo", "webapp", "php"),
    ("rsud", "daftar", "Pendaftaran Online Pasien", "webapp", "codeigniter"),
    ("rsud", "antrian", "Antrian Poliklinik", "webapp", "codeigniter"),
    ("dinkes", "sikda", "Sistem Informasi Kesehatan Daerah", "webapp", "codeigniter"),
    ("dinkes", "vaksin", "Pendaftaran Vaksinasi", "webapp", "laravel"),
    ("dinkes", "stunting", "Monitoring Stunting", "webapp", "laravel"),
    ("disdik", "ppdb", "PPDB Online", "webapp", "laravel"),
    ("disdik", "elearning", "E-Learning Kota Demo", "webapp", "moodle"),
    ("disdik", "beasiswa", "Beasiswa Pelajar", "webapp", "codeigniter"),
    ("dispusip", "opac", "Katalog Perpustakaan (SLiMS)", "webapp", "slims"),
    ("dispusip", "earsip", "E-Arsip Dinamis", "webapp", "codeigniter"),
    ("disdukcapil", "antrian-dukcapil", "Antrian Online Dukcapil", "webapp", "laravel"),
    ("disdukcapil", "layanan-dukcapil", "Layanan Adminduk Online", "webapp", "laravel"),
    ("dpmptsp", "perizinan", "Perizinan Online", "webapp", "laravel"),
    ("dishub", "eparkir", "E-Parkir", "webapp", "laravel"),
    ("dishub", "ujikir", "Uji KIR Online", "webapp", "codeigniter"),
    ("dishub", "atcs", "ATCS Lalu Lintas", "webapp", "php"),
    ("dinsos", "dtks", "Data Terpadu Kesejahteraan Sosial", "webapp", "laravel"),
    ("bpbd", "siaga", "Info Siaga Bencana", "webapp", "codeigniter"),
    ("disnaker", "bursakerja", "Bursa Kerja Online", "webapp", "laravel"),
    ("diskopukm", "umkm", "Katalog UMKM", "webapp", "wordpress"),
    ("disdag", "hargapasar", "Harga Pasar Harian", "webapp", "codeigniter"),
    ("ukpbj", "lpse", "LPSE Kota Demo", "webapp", "spse"),
    ("bappeda", "sipd", "Perencanaan Pembangunan (SIPD)", "webapp", "laravel"),
    ("bappeda", "musrenbang", "E-Musrenbang", "webapp", "codeigniter"),
    ("inspektorat", "wbs", "Whistleblowing System", "webapp", "codeigniter"),
    ("setwan", "jdih-dprd", "JDIH DPRD", "webapp", "codeigniter"),
    ("satpolpp", "pengaduan-satpolpp", "Pengaduan Ketertiban Umum", "webapp", "codeigniter"),
    ("disparbud", "pesona", "Pesona Wisata Kota Demo", "website", "wordpress"),
    ("dlh", "banksampah", "Bank Sampah Digital", "webapp", "laravel"),
    ("brida", "inovasi", "Kompetisi Inovasi Daerah", "website", "wordpress"),
)

# Microsites: programmes, festivals and events, one per year (the old ones often suspended).
EVENTS: tuple[tuple[str, str, str], ...] = (
    ("disparbud", "festival-budaya", "Festival Budaya"),
    ("disparbud", "karnaval", "Karnaval Kota"),
    ("disparbud", "kuliner", "Pekan Kuliner"),
    ("setda", "hut-kota", "HUT Kota Demo"),
    ("setda", "mtq", "MTQ Tingkat Kota"),
    ("dispora", "porkot", "Pekan Olahraga Kota"),
    ("dispora", "fun-run", "Demo Fun Run"),
    ("diskopukm", "expo-umkm", "Expo UMKM"),
    ("disdag", "pasar-murah", "Pasar Murah Ramadhan"),
    ("disdik", "olimpiade-sains", "Olimpiade Sains Pelajar"),
    ("disdik", "lomba-guru", "Lomba Guru Berprestasi"),
    ("dinkes", "bulan-imunisasi", "Bulan Imunisasi Anak"),
    ("dlh", "adipura", "Menuju Adipura"),
    ("dlh", "kampung-iklim", "Kampung Iklim"),
    ("bappeda", "rpjmd", "Konsultasi Publik RPJMD"),
    ("diskominfo", "smartcity", "Gerakan Menuju Smart City"),
    ("diskominfo", "hackathon", "Hackathon Kota Demo"),
    ("dp3a", "kota-layak-anak", "Kota Layak Anak"),
    ("dppkb", "kampung-kb", "Kampung KB"),
    ("disnaker", "job-fair", "Job Fair"),
    ("dispusip", "gemar-membaca", "Gerakan Gemar Membaca"),
    ("bpbd", "simulasi-bencana", "Simulasi Tanggap Bencana"),
    ("kesbangpol", "wawasan-kebangsaan", "Wawasan Kebangsaan"),
    ("dpmptsp", "investasi", "Forum Investasi"),
    ("brida", "inovasi-award", "Inovasi Award"),
    ("damkar", "hut-damkar", "HUT Pemadam Kebakaran"),
    ("dkpp", "pasar-tani", "Pasar Tani"),
    ("disperkim", "rtlh", "Program Rumah Tidak Layak Huni"),
    ("dinsos", "bansos", "Penyaluran Bantuan Sosial"),
    ("satpolpp", "operasi-yustisi", "Operasi Yustisi"),
    ("inspektorat", "zona-integritas", "Zona Integritas"),
    ("setwan", "reses", "Reses DPRD"),
    ("rsud", "hari-kesehatan", "Hari Kesehatan Nasional"),
    ("ukpbj", "katalog-lokal", "Katalog Elektronik Lokal"),
)
EVENT_YEARS = tuple(range(2017, 2026))
