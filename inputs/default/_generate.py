"""Generator of the default data set (inputs/default/*.csv).

The CSV tables are the committed artefact; this script only documents how they were put
together and lets the owner regenerate them after changing a figure. Run from the repository
root:  python inputs/default/_generate.py

Conventions
- Every row carries a source_id: a key of sources.csv (published figure, or a figure derived
  from published ones: ids starting ``d-`` explain the derivation in their note) or an
  assumption_id of assumptions.csv (``asm_``), whose central value is the number used.
- Quantities in t (t REO for concentrate, t oxide, t metal, t magnet); money in $/kg.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEARS = list(range(2025, 2036))

# ----------------------------------------------------------------------------- sources
SOURCES = [
    ("mgssi-2026", "Mitsui & Co. Global Strategic Studies Institute (Americas), 'The US push to end dependence on China for rare earths: is cooperation with like-minded countries a silver bullet?', research note, early 2026 (Japanese)", "",
     "The founding brief: node list, chain stages, China shares by stage (citing JOGMEC), 2025 mine output and reserves (citing USGS), US policy instruments, facility list, ion-adsorption clay composition, rare-earth-free magnet plans."),
    ("usgs-mcs-2026", "U.S. Geological Survey, Mineral Commodity Summaries 2026: Rare Earths", "https://pubs.usgs.gov/publication/mcs2026",
     "2025 mine production by country, t REO (China 270,000; US 51,000; Australia 29,000; Myanmar 22,000; Thailand 4,800; India 2,900; Madagascar 2,700; Russia 2,600; Brazil 2,000; Nigeria 1,500; Vietnam 150; Malaysia 110; other 550; world 390,000); US concentrate 51,000 t and compounds/metals 8,900 t (2025); annual Nd/Dy/Tb oxide prices (Argus). Cited in mgssi-2026."),
    ("jogmec", "JOGMEC (Japan Organization for Metals and Energy Security), rare-earth supply-chain assessment, as cited in mgssi-2026", "https://www.jogmec.go.jp/",
     "China's share by stage: mining 69%, separation/refining 85-90%, metal 85-90%, alloy ~90%, magnets ~90%; ion-adsorption clays up to ~45% medium/heavy REEs; US and Australian hard rock ~1-5% medium/heavy."),
    ("mofcom-2025", "China Ministry of Commerce, export-control announcements (Apr, Oct, Nov, Dec 2025), as cited in mgssi-2026", "http://www.mofcom.gov.cn/",
     "Export-control regimes (used by scenario configs, not by the data tables)."),
    ("miit-quota", "China MIIT / Ministry of Natural Resources, rare-earth mining and smelting/separation quota notices 2021-2024", "https://www.miit.gov.cn/",
     "Total quotas, t REO, mining/smelting: 2021 168,000/162,000; 2022 210,000/202,000; 2023 255,000/243,850; 2024 270,000/254,000; 2025 not published."),
    ("china-customs-2024", "China General Administration of Customs, NdFeB magnet exports 2024 (as reported by Reuters)", "",
     "58,152 t of NdFeB magnets exported in 2024 for $2.86 billion: unit value ~$49-51/kg."),
    ("china-industry-2024", "Chinese industry statistics 2023-2024 (original publisher not recorded; status S)", "",
     "China 2024: NdPr oxide output ~106,000 t vs use ~96,000 t; NdPr metal 88,000 vs 80,000 t; Dy oxide ~3,500 t, Tb oxide ~650 t output; NdFeB magnets ~300,000 t (2024), 280,000 t (2023)."),
    ("mp-materials", "MP Materials, annual reports and quarterly results 2023-2025; press releases on Independence and 10X", "https://investors.mpmaterials.com/",
     "REO in concentrate 50,692 t (2025); NdPr oxide 200 t (2023), 1,294 t (2024), 2,599 t (2025); end-2025 run rate ~4,000 t/yr; Independence (Fort Worth) magnets ~1,000 t/yr scalable to 2-3 kt; 10X brings MP magnet capacity to ~10,000 t/yr, commissioning 2028; heavy-REE separation ~200 t/yr Dy/Tb from mid-2026; NdPr cash cost slightly above $60/kg (Q1 2025)."),
    ("mp-dod-2025", "MP Materials - US Department of Defense agreements, July 2025", "https://investors.mpmaterials.com/",
     "$110/kg NdPr floor for 10 years; 10X magnets 100% offtake; $150M loan for heavy-REE separation; cited in mgssi-2026."),
    ("lynas-reports", "Lynas Rare Earths, annual reports FY24-FY25 and quarterly reports to Dec 2025", "https://lynasrareearths.com/investors-media/",
     "NdPr 5,655 t (FY24), ~6,559 t (FY25); target 10.5 kt/yr NdPr; Malaysia heavy-REE plant (5,000 t/yr feed): first Dy May 2025, Tb June 2025; Dy+Tb 9 t (Sep-2025 qtr), 26 t (Dec-2025 qtr); NdPr prices Jun 2023 $60.4, Jun 2024 $44.0 ex-VAT."),
    ("lynas-dod-2026", "Lynas - US DoD letter of intent, 16 March 2026; Seadrift, Texas heavy-REE plant status", "https://lynasrareearths.com/",
     "~$96M DoD purchases; $110/kg NdPr floor; the 2023 ~$258M Seadrift award replaced, construction seriously uncertain ('might not proceed'). Cited in mgssi-2026."),
    ("usar-2026", "USA Rare Earth, company releases and US Department of Commerce letter of intent (Jan 2026)", "https://www.usare.com/",
     "Stillwater (Oklahoma) magnets 1,200 t/yr rising to 4,800 t/yr; Commerce LOI plan 10,000 t/yr magnets + 10,000 t/yr metal; Round Top mine production from 2028. Cited in mgssi-2026."),
    ("iluka-eneabba", "Iluka Resources, Eneabba rare-earth refinery releases", "https://iluka.com/",
     "Refinery 12,100-18,400 t/yr REO, commissioning 2027."),
    ("energy-fuels", "Energy Fuels, White Mesa Mill rare-earth releases", "https://www.energyfuels.com/",
     "Phase 1: 850-1,000 t/yr NdPr oxide; phase 2: >6,000 t/yr NdPr + 240 t Dy + 66 t Tb from 2029."),
    ("neo-performance", "Neo Performance Materials, releases on Silmet (Estonia) separation and Narva magnet plant", "https://www.neomaterials.com/",
     "Silmet separation 3,000 t/yr; Narva magnets 2,000 t/yr (opened Sep 2025), phase 2 5,000 t/yr; ex-China magnet premium +$10-30/kg (Reuters 2025)."),
    ("solvay-2025", "Solvay, La Rochelle rare-earth separation releases (2025)", "https://www.solvay.com/",
     "NdPr separation from April 2025, ~4,500 t/yr by 2030."),
    ("niron-2025", "Niron Magnetics, releases on iron-nitride magnet plants (Minnesota)", "https://www.nironmagnetics.com/",
     "1,500 t/yr from 2027; 10,000 t/yr by 2029 (~20% of US permanent-magnet use). Cited in mgssi-2026."),
    ("mp-maaden-2025", "MP Materials - Maaden joint-venture announcement (Nov 2025)", "https://investors.mpmaterials.com/",
     "Refinery in Saudi Arabia separating light and heavy REEs from Saudi and world feed; MP+DoD 49%, Maaden 51%; no capacity or date published. Cited in mgssi-2026."),
    ("adamas-2023", "Adamas Intelligence, Rare Earth Magnet Market Outlook to 2040 (2023)", "https://www.adamasintel.com/",
     "NdFeB demand +7.5%/yr 2023-2040; NdPr oxide shortfall ~19,000 t/yr by 2030."),
    ("adamas-2024", "Adamas Intelligence, Rare Earth Magnet Market Outlook to 2040 (2024 edition)", "https://www.adamasintel.com/",
     "NdFeB demand +8.7%/yr 2024-2040 vs supply +5.1%/yr; ~96% of 2025 Dy traded near $224/kg."),
    ("argus-2025", "Argus Media rare-earth price assessments 2025 (as reported)", "https://www.argusmedia.com/",
     "Europe NdPr $82.5-85/kg (Sep 2025); Dy/Tb Europe premia after April 2025."),
    ("reuters-2025", "Reuters reporting on rare-earth prices and trade, 2025-2026", "https://www.reuters.com/",
     "NdPr $63/kg (Jul 2025); Feb 2026 850k yuan/t; China magnet exports to US -93% m/m in May 2025; ex-China magnet premia (Vietnam +15-20%, Korea up to +20%)."),
    ("smm-2025", "Shanghai Metals Market (SMM) NdPr, Dy, Tb oxide quotations 2025", "https://www.metal.com/",
     "NdPr 450k yuan/t (Feb 2025), 632k (Aug 2025), 592-595k (Dec 2025); Dy 1.33-1.35M, Tb 6.02-6.06M yuan/t (Dec 2025), incl. 13% VAT."),
    ("usitc-dataweb", "US import statistics for sintered NdFeB magnets, Q1 2024-Q1 2025, (US Census trade data, queryable via USITC DataWeb)", "https://dataweb.usitc.gov/",
     "China ~84% of US sintered NdFeB import value (derived from US Census import values); US NdFeB magnet imports from China ~10,000 t/yr."),
    ("dod-2012", "US Department of Defense, report on rare-earth use in US weapon systems (2012)", "",
     "~175 t/yr of NdFeB magnets for US weapons systems."),
    ("iea-2025", "IEA, Global Critical Minerals Outlook 2025", "https://www.iea.org/reports/global-critical-minerals-outlook-2025",
     "Ex-China capex ~50% above China's; China still 76% of refining in 2030."),
    ("project-blue", "Project Blue, rare-earth incentive-price analysis (2025, as reported)", "",
     "Incentive price for new NdPr supply $75-105/kg."),
    ("sea-distances", "Approximate port-to-port sea distances: the data author's estimates rounded to 100 km, checkable against distance tables such as ports.com", "https://www.ports.com/sea-route/",
     "Approximate port-to-port distances between representative ports: Shanghai (CN), Los Angeles/Houston (US), Fremantle (AU), Yokohama (JP), Kuantan (MY), Haiphong (VN), Dammam/Jeddah (SA), Santos (BR), Rotterdam (EU), Busan (KR), Yangon/Singapore (ROW); Myanmar-Yunnan overland for ROW ionic feed."),
    ("desnz-2023", "UK Department for Energy Security and Net Zero, Electricity Generation Costs 2023 (and BEIS 2020): technology-specific hurdle rates", "https://www.gov.uk/government/publications/electricity-generation-costs-2023",
     "Appraisal practice: projects under a Contract for Difference are appraised at a lower hurdle rate than merchant ones because contracted revenue lowers the cost of capital. Cited for the method only; the rates used for rare-earth projects are assumptions (asm_hurdle_merchant, asm_hurdle_contracted)."),
    ("hicks-1932", "J. R. Hicks, The Theory of Wages (Macmillan, 1932), with A. Marshall, Principles of Economics (8th ed., 1920): the Hicks-Marshall laws of derived demand", "",
     "The demand for an input is less elastic the smaller its share of the cost of the final product and the fewer its substitutes. Cited for the method of the magnet demand elasticities (asm_demand_elasticity_*); no rare-earth figure."),
    ("fally-sayre-2018", "T. Fally and J. Sayre, 'Commodity Trade Matters', NBER Working Paper 24965 (2018)", "https://www.nber.org/papers/w24965",
     "Supply and demand for primary commodities are price-inelastic, so supply shocks move prices and welfare a lot. Cited for inelastic demand in general; no rare-earth estimate exists there or elsewhere that we found."),
    ("london-economics-2013", "London Economics, 'The Value of Lost Load (VoLL) for Electricity in Great Britain', report for Ofgem and DECC (2013)", "https://www.gov.uk/government/publications/the-value-of-lost-load-voll-for-electricity-in-great-britain",
     "VoLL as the value customers place on supply they do not get, used as the price at which load is shed instead of priced. Cited for the method: demand valued at its VOLL is cut off, not priced out (docs/model.md § Shortage and priced-out demand)."),
    # derived figures ---------------------------------------------------------------------
    ("d-cn-light-quota", "Derived: China hard-rock (light) mining quota = total quota less the ion-adsorption quota", "",
     "2024 total mining quota 270,000 t REO (miit-quota) = USGS 2025 China output (usgs-mcs-2026); less the ion-adsorption (southern, medium/heavy) quota of 19,150 t (asm_cn_ionic_quota) = 250,850 t. 2025 quota unpublished: 2024 total used for 2025. Later years grow at asm_cn_quota_growth."),
    ("d-row-mine", "Derived: rest-of-world mine output 2025 from USGS country figures", "",
     "ROW hard-rock = Thailand 4,800 + India 2,900 + Russia 2,600 + Nigeria 1,500 + other 550 + Vietnam 150 + Malaysia 110 = 12,610 t REO (Vietnam and Malaysia, too small for own mines, are folded into ROW). ROW ion-adsorption = Myanmar 22,000 + Madagascar 2,700 = 24,700 t REO (usgs-mcs-2026)."),
    ("d-mp-ndpr-2025", "Derived: MP Materials NdPr separation capacity by year", "",
     "2025: the year's effective capacity is the average of the start-year run rate (2024 output 1,294 t) and the end-2025 run rate (~4,000 t/yr): ~2,650 t (MP reported 2,599 t). 2026: ~4,000 t/yr run rate (mp-materials). 2027-: asm_mp_ndpr_expansion."),
    ("d-lynas-ndpr", "Derived: Lynas Malaysia NdPr capacity by year", "",
     "2025 ~ FY25 output 6,559 t (lynas-reports); 2026 midway to the 10.5 kt/yr target; 2027 onward 10,500 t (target)."),
    ("d-lynas-mtweld", "Derived: Lynas Mt Weld + Kalgoorlie REO feed capacity", "",
     "2025: Australia's USGS output 29,000 t REO (Lynas is almost all of it). Later: the REO needed for the 10.5 kt NdPr target at the model's light-ore NdPr grade (asm_ndpr_grade_light): 10,500/0.22 = 47,700 t; 2026 midway."),
    ("d-lynas-heavy", "Derived: Lynas Malaysia heavy-REE (Dy/Tb) separation capacity", "",
     "2025: Dy+Tb 9 t (Sep qtr) + 26 t (Dec qtr) ~ 35 t in the year's second half (lynas-reports); 2026: Dec-2025 run rate x4 ~ 105 t -> 120 t; 2027-: 5,000 t/yr heavy feed x Dy/Tb content of hard-rock heavy concentrate (asm_dytb_in_hre 0.15) = 750 t (feed availability, not this capacity, will bind)."),
    ("d-magnet-composition", "Derived: NdFeB magnet composition per t magnet", "",
     "Magnets hold 29-32.5 wt% rare earths (Nd 20-30%, Pr 0.5-7%, Dy 0.2-6%) (industry composition as compiled with mp-materials). Model: 0.28 t NdPr metal per t standard magnet, which at 1.18 t oxide per t metal is 0.33 t NdPr oxide per t magnet (brief's range 0.30-0.35); Dy+Tb 0.02 t per t of the standard grade (MP's 200 t/yr Dy/Tb sized for 10,000 t/yr magnets, mp-materials), split into Dy and Tb by asm_grade_std_dy and asm_grade_std_tb. Dy and Tb enter the magnet recipe as oxide equivalents: the Dy/Tb metal or Dy-Fe alloy step is folded into the magnet stage (it is small next to the oxide price)."),
    ("d-metal-conversion", "Derived: NdPr oxide per t NdPr metal", "",
     "Stoichiometry: Nd2O3 (336.5 g/mol) holds 2 x 144.2 g of Nd, so 1 t metal = 1.166 t oxide; plus ~1% reduction loss = 1.18 t oxide per t metal (Pr6O11 is within rounding)."),
    ("d-ndpr-price-2025", "Derived: 2025 China NdPr oxide price, ex-VAT $/kg", "",
     "SMM yuan/t incl. 13% VAT converted as yuan/t / 1.13 / CNY-per-USD / 1000: Feb 2025 450k -> ~$55; Aug 2025 632k -> ~$78; Dec 2025 593k -> ~$74; Reuters Jul 2025 $63; USGS 2025 Nd oxide average $73. Central 67.5 (midpoint of the $60-75 band in the brief)."),
    ("d-dytb-split-ionic", "Derived: Dy and Tb shares of the Dy+Tb oxide from ion-adsorption clays (and of recycled Dy+Tb)", "",
     "China's 2024 output Dy oxide ~3,500 t and Tb oxide ~650 t (china-industry-2024), nearly all from southern ion-adsorption clays and Myanmar clay feed: Tb = 650/4,150 = 15.7% of Dy+Tb, Dy 84.3%. Recycled scrap carries Dy and Tb in the ratio China's magnet makers use them, which is this output ratio."),
    ("d-dytb-split-hardrock", "Derived: Dy and Tb shares of the Dy+Tb oxide from the heavy stream of hard-rock (light) separation", "",
     "Energy Fuels' phase-2 plan from monazite (a hard-rock light ore): 240 t Dy + 66 t Tb per year (energy-fuels): Tb = 66/306 = 21.6% of Dy+Tb, Dy 78.4%. Used for the SEG/HRE stream of every light separator (sep_heavy) and the unnamed integrated projects."),
    ("d-dy-price-2025", "Derived: 2025 China Dy oxide price, ex-VAT $/kg", "",
     "~96% of 2025 Dy traded near $224/kg (adamas-2024); SMM Dec 2025 1.33-1.35M yuan/t incl. VAT (smm-2025) = ~$166 ex-VAT at 7.15 CNY/USD, early 2025 ~20% higher; USGS 2024 annual average $260 (usgs-mcs-2026). Central $225, band $165-290."),
    ("d-tb-price-2025", "Derived: 2025 China Tb oxide price, ex-VAT $/kg", "",
     "SMM Dec 2025 6.02-6.06M yuan/t incl. VAT (smm-2025) = ~$748 ex-VAT at 7.15 CNY/USD; Argus Europe $930-1,000 in early April 2025 before the licence list bit (argus-2025); USGS 2024 annual average $810 (usgs-mcs-2026). Central $800, band $650-1,050."),
    ("d-dy-exchina-2025", "Derived: 2025 ex-China Dy oxide spot price under the April licences, $/kg", "",
     "Argus Europe Dy $250-310 early April 2025, $700-1,000 from May (argus-2025). The model's ex-China price is the marginal (spot) price of a year whose Chinese supply is licence-limited, so the target is the spot range: band from 2x China's price ($450; the test of a licence-driven premium) to the top of the spot range ($1,000), central $850. Volume-weighted prices were far lower (~96% of 2025 Dy traded near $224/kg and <1% at >= $800, adamas-2024): most ex-China buyers had contracts and stocks; the spot price is the marginal buyer's."),
    ("d-tb-exchina-2025", "Derived: 2025 ex-China Tb oxide spot price under the April licences, $/kg", "",
     "Argus Europe Tb $930-1,000 early April 2025 and $2,000-4,000 from May (argus-2025); China ~$750-1,000 (smm-2025). As for Dy, the target is the spot range: band from 2x China's ~$800 ($1,600) to $4,000, central $3,000 (thin volume, adamas-2024)."),
    ("d-us-magnet-imports", "Derived: US NdFeB supply 2025", "",
     "US imports from China ~10,000 t/yr and China ~84% of import value (usitc-dataweb): total imports ~10,000/0.84 = 11,900 t; non-China imports ~1,900 t (mostly Japan)."),
    ("d-world-magnet-demand", "Derived: world NdFeB demand 2025 by node", "",
     "World ~340,000 t: China ~300,000 t output 2024 (china-industry-2024) grown ~5%, plus ~26,000 t made elsewhere (asm_* capacities). China's domestic use = output less exports of ~58-62 kt (china-customs-2024). Import nodes split that export volume by assumption (asm_node_demand_*)."),
    ("d-eneabba", "Derived: Iluka Eneabba NdPr capacity", "",
     "Midpoint of 12,100-18,400 t/yr REO = 15,250 t REO at the model's light-ore NdPr grade 0.22 = 3,355 t NdPr per year; first year at asm_first_year_ramp."),
    ("d-silmet", "Derived: Neo Silmet NdPr capacity", "",
     "3,000 t/yr separated REO at the light-ore NdPr grade (0.22) = 660 t NdPr per year."),
    ("d-solvay", "Derived: Solvay La Rochelle NdPr ramp", "",
     "Started April 2025; linear ramp from 500 t (2025, assumption of a partial first year) to ~4,500 t/yr in 2030 (solvay-2025)."),
    ("d-ef-heavy", "Derived: Energy Fuels phase 2 Dy/Tb", "",
     "240 t Dy + 66 t Tb = 306 t Dy+Tb per year from 2029 (energy-fuels)."),
    ("d-niron", "Derived: Niron FeN expansion", "",
     "10,000 t/yr by 2029 less the 1,500 t/yr first plant = 8,500 t/yr in the second facility (niron-2025)."),
    ("d-mp-magnets", "Derived: MP Materials magnet capacity by plant", "",
     "Independence ~1,000 t/yr (2026), scalable to 2-3 kt: 3,000 t from 2027; 10X brings MP to ~10,000 t/yr: 7,000 t/yr at 10X, half in its 2028 commissioning year (asm_first_year_ramp)."),
    ("d-mp-metal", "Derived: MP metal capacity", "",
     "Metal needed for MP's magnet capacity at 0.28 t NdPr metal per t magnet (d-magnet-composition), rounded up."),
    ("d-freight", "Derived: freight by route", "",
     "freight = handling (asm_freight_handling_bulk for concentrate, asm_freight_handling_refined for oxide/metal/magnets) + asm_freight_per_1000km x sea distance (sea-distances) / 1000. Handling per leg makes trans-shipment through a third country costlier than a direct route."),
    ("d-capex-magnet", "Derived: overnight capex of a new ex-China sintered NdFeB plant, $ per t/yr", "",
     "MP's 10X: $1B bank financing (mp-dod-2025) plus part of the $400M DoD equity for ~7,000 t/yr (d-mp-magnets): $1.0-1.4B / 7,000 t = $143k-200k per t/yr, an upper bound (the financing also covers working capital and MP's other needs). Central asm_capex_magnet."),
    ("d-capex-sep-heavy", "Derived: overnight capex of a heavy-REE (Dy/Tb) separation plant, $ per t/yr Dy+Tb", "",
     "Seadrift: ~$258M DoD award (2023, lynas-dod-2026) for a plant of ~5,000 t/yr heavy feed (the size of Lynas' Malaysian heavy plant, lynas-reports) x Dy+Tb content 0.15 (asm_dytb_in_hre) = 750 t/yr: ~$344k per t/yr Dy+Tb if the award paid the whole plant. Central asm_capex_sep_heavy."),
    ("d-project-finance", "Derived: project finance terms of every build option", "",
     "Lifetime asm_project_lifetime; cost of capital asm_hurdle_merchant when revenue is merchant and asm_hurdle_contracted when a price floor or an offtake backs it (method: desnz-2023); fixed O&M = asm_fom_share x capex per year."),
    ("d-project-ramp", "Derived: ramp profile of a new plant", "",
     "Share of nameplate available in the first year online = asm_first_year_ramp, full from the second year; Solvay's stated linear ramp to 4,500 t/yr by 2030 (solvay-2025) is 5 equal steps."),
    ("d-expansions", "Derived: expansions of operating plants as build options", "",
     "Build option = stated target less the operating capacity held flat at its 2025/26 level: Lynas Malaysia 10,500 - 6,559 = 3,941 t NdPr (lynas-reports); Mt Weld 47,700 - 29,000 = 18,700 t REO (d-lynas-mtweld); MP Mountain Pass 6,000 - 4,000 = 2,000 t NdPr (asm_mp_ndpr_expansion); MP Independence 3,000 - 1,000 = 2,000 t magnets (d-mp-magnets); MP metal 2,800 - 300 = 2,500 t (d-mp-metal); Neo Narva 5,000 - 2,000 = 3,000 t (neo-performance); Solvay 4,500 - 500 = 4,000 t NdPr (solvay-2025)."),
    ("d-exchina-ndpr-2025", "Derived: 2025 ex-China (Europe) NdPr oxide price, $/kg", "",
     "Argus Europe $82.5-85/kg in Sep 2025 (argus-2025) when China's ex-VAT price was ~$78 (SMM Aug 632k yuan/t / 1.13 / 7.15, smm-2025): a premium of ~$5-7/kg. Annual: China's 2025 average (d-ndpr-price-2025, $67.5) + $6.5 = ~$74; band $60 (China's low, no premium) to $92 (Sep Europe level + premium on China's high)."),
    ("d-magnet-price-2025", "Derived: 2025 China NdFeB magnet price, $/kg", "",
     "2024 export unit value $49-51/kg (china-customs-2024) plus the 2024->2025 NdPr price rise (~$48-51 -> ~$67.5 ex-VAT, lynas-reports, d-ndpr-price-2025) times 0.33 t NdPr oxide per t magnet (d-magnet-composition): ~ +$5-6. Central $55, band $45-62."),
    ("d-us-magnet-imports-2025", "Derived: US imports of NdFeB magnets from China in 2025, t", "",
     "Jan-Apr at the pre-control pace (~10,000 t/yr, usitc-dataweb: 4 x 833 = 3,333 t); May -93% month on month (~60 t); June 353 t and July 619 t (reuters-2025); Aug-Dec not in our sources, assumed at the June-July to July pace (5 x 490-620 t). Total ~6,800-7,500 t; central 7,400, band 5,500-9,000 (the band covers Aug-Dec between 60% and 110% of July's pace). By period (observed.csv months): Jan-Apr 3,333 t (band 2,800-3,900: the pre-control pace +-15%, usitc-dataweb); May-Jun ~60 + 353 = 413 t (band 250-700: May between -85% and -97% m/m, June as reported); Jan-Jun 3,746 t (band 3,050-4,600); Jul-Dec 619 t + Aug-Dec 5 x 371-681 t (60-110% of July's pace) = 2,474-4,024, central 3,654 t (band 2,400-4,100)."),
    ("d-us-shortfall-2025", "Derived: the 2025 US magnet shortage episode, t", "",
     "China's magnet exports to the US fell 93% m/m in May 2025 and recovered only partly (reuters-2025); Ford idled its Chicago Explorer line for a week in May 2025 for lack of magnets (reuters-2025, medium confidence). Unserved US demand was positive (the lower bound, 100 t) and cannot exceed the Chinese tonnes lost against the pre-control pace (10,000 - 6,500 = 3,500 t, d-us-magnet-imports-2025). Central: 10,000 - 7,400 = 2,600 t less any replacement, ~1,500 t. By period: May-Dec carries the whole episode (band 100-3,500 t, as for the year); Jan-Apr no shortage (the licences bit in May; Ford's idle was in May): the physical shortage (buyers at the value of lost load unserved, demand.csv shortage_t) 0, band 0-50 t."),
    ("d-mp-china-2025", "Derived: MP Materials concentrate shipped to China in 2025, t REO", "",
     "MP stopped shipping concentrate to China in April 2025 (mp-materials Q1 2025 results; reuters-2025): at most Q1 output, one quarter of 50,692 t = ~12,700 t REO, less Q1 feed to its own separation (2,599 t NdPr x 4.55 / 4 = ~3,000 t). Central 9,700 t, band 6,000-12,700, all in Jan-Apr; May-Dec nothing (band 0-100 t). 2026: nothing (band 0-100 t)."),
    ("d-ndpr-price-early-2026", "Derived: China NdPr oxide price, early 2026, ex-VAT $/kg", "",
     "SMM Dec 2025 592-595k yuan/t (~$74 ex-VAT, smm-2025) and Reuters Feb 2026 850k yuan/t (~$107 ex-VAT at 7.0 CNY/USD, reuters-2025): early 2026 ran from ~$74 to ~$107. Central $90, band $74-110, for January-June 2026 (observed.csv months 1-6; a run splits 2026 into halves, docs/model.md § Periods)."),
    ("d-us-defence", "Derived: US defence NdFeB demand", "",
     "~175 t/yr (dod-2012) held constant in 2025 and grown with asm_demand_growth thereafter."),
    ("pda-2011", "Paris, A., Drogue, S. and Anania, G. (2011), 'Calibrating spatial models of trade', Economic Modelling 28(6), 2509-2516", "https://doi.org/10.1016/j.econmod.2011.07.010",
     "Method for gradual trade: calibrated, rising marginal trade costs on each arc around observed flows, so that a spatial equilibrium LP reproduces observed bilateral flows and responds to wedges with a finite elasticity."),
    ("williams-wright-1991", "Williams, J.C. and Wright, B.D. (1991), Storage and Commodity Markets, Cambridge University Press", "https://doi.org/10.1017/CBO9780511571862",
     "Method for private storage: competitive, risk-neutral stockholders carry stocks from one period to the next while the expected discounted price covers today's price plus the cost of holding; storage is then the market's own insurance against a shortfall, and a public stock displaces part of it."),
    ("head-mayer-2014", "Head, K. and Mayer, T. (2014), 'Gravity equations: workhorse, toolkit, and cookbook', Handbook of International Economics vol. 4, ch. 3, 131-195", "https://doi.org/10.1016/B978-0-444-54314-1.00003-3",
     "Meta-analysis of trade elasticities: median structural-gravity tariff elasticity about 5 across products and studies (their Table 4); no estimate for rare earths."),
    ("us-hts-8505", "US International Trade Commission, Harmonized Tariff Schedule of the United States, heading 8505.11.00 (permanent magnets of metal)", "https://hts.usitc.gov/",
     "Column 1 (MFN) general rate 2.1% ad valorem on NdFeB permanent magnets, all origins."),
    ("ustr-301-2024", "Office of the US Trade Representative, Section 301 four-year review: modifications to tariffs on Chinese imports, Federal Register notice of 2024-09-18", "https://ustr.gov/",
     "Permanent magnets from China 0% -> 25% from 2026-01-01; critical minerals (incl. rare-earth oxides and metals) 0% -> 25% from 2024-09-27."),
    ("us-ieepa-2025", "Executive Orders 14195 (2025-02-01, amended 2025-03-03) and 14257 (2025-04-02) imposing IEEPA tariffs on imports from China; US Supreme Court decision of 2026-02-20 holding IEEPA tariffs unlawful", "https://www.federalregister.gov/",
     "Fentanyl tariff 10% from 2025-02-04, 20% from 2025-03-04, 10% from 2025-11-10; reciprocal 10% from 2025-05-14 (after 125% in April 2025); struck down 2026-02-20."),
    ("dfars-7052", "Defense Federal Acquisition Regulation Supplement 252.225-7052, Restriction on the acquisition of certain magnets, tantalum, and tungsten (as amended by NDAA FY2024 sec. 844)", "https://www.acquisition.gov/dfars/252.225-7052",
     "From 2027-01-01 covered NdFeB magnets for US defence may not be mined, refined, separated, melted or produced in China (or Russia, North Korea, Iran): every stage counts."),
    ("us-s122-2026", "Presidential proclamation under Section 122 of the Trade Act of 1974, 2026-02 (balance-of-payments surcharge replacing the IEEPA tariffs)", "https://www.federalregister.gov/",
     "10% ad valorem on imports for at most 150 days unless extended by Congress."),
    ("d-trade-reference", "Derived: US NdFeB magnet imports by origin at the pre-control pace (2024 to Q1 2025), t/yr", "",
     "China ~10,000 t/yr and ~84% of import value (usitc-dataweb): total ~11,900 t, non-China ~1,900 t, split by asm_us_import_share_jp (Japan) and equally among South Korea, Vietnam and the EU (Germany, Estonia's Narva magnets). Tariff in force at that pace: MFN 2.1% (us-hts-8505); Section 301 on magnets was 0% until 2026 (ustr-301-2024)."),
]

# ----------------------------------------------------------------------------- assumptions
# id: (description, unit, central, low, high, note)
LIT = ("No published price elasticity of rare-earth or NdFeB magnet demand was found. Derived demand "
       "(Hicks-Marshall, hicks-1932): elasticity ~ cost share x product elasticity + (1 - share) x substitution "
       "elasticity; magnets are a small share of product cost, so the range is set by how fast designs can "
       "substitute. Commodity demand is price-inelastic in the short run (fally-sayre-2018). Level: the four "
       "segment values were scaled together so that the 2025 licence episode (runs/scenarios/brief_regimes.yaml) "
       "puts the ex-China magnet premium inside its observed band ($10-30/kg, ~$20 observed, neo-performance, observed.csv; "
       "model ~$15) with constant-elasticity curves; the ordering across segments follows the substitutes each has.")
ASM = {
    "asm_cn_ionic_quota": ("China ion-adsorption (southern medium/heavy) share of the mining quota", "t REO/yr", 19150, 15000, 25000,
                           "Recollection (unverified): the southern ion-adsorption quota has been held at ~19,150 t since 2017; no published source found. Moves the light/ionic split of China's 270 kt."),
    "asm_cn_quota_growth": ("Growth of China's mining quota after 2025", "share/yr", 0.06, 0.0, 0.12,
                            "2023->2024 growth was 5.9% (miit-quota); 2021-2024 averaged ~17%/yr. Central: the latest step."),
    "asm_hold_flat": ("Capacity after the last reported or planned figure: multiplier on that figure", "ratio", 1.0, 0.8, 1.2,
                      "No published plans; held flat."),
    "asm_first_year_ramp": ("Share of nameplate capacity available in a new plant's first year", "share", 0.5, 0.25, 0.75,
                            "Typical commissioning ramp; no published figure per plant."),
    "asm_ndpr_grade_light": ("NdPr oxide per t REO in hard-rock (light) concentrate", "t/t", 0.22, 0.15, 0.25,
                             "Bastnaesite/monazite NdPr content ~15-25% of REO (Mountain Pass ~16%, Bayan Obo ~20%, Mt Weld ~23-25%); central between. Coefficient of sep_light: 1/0.22 = 4.545 t REO per t NdPr."),
    "asm_hre_grade_light": ("Medium/heavy REE concentrate (SEG/HRE) per t REO in hard-rock ore", "t/t", 0.02, 0.01, 0.05,
                            "JOGMEC via mgssi-2026: hard rock holds ~1-5% medium/heavy; central 2%. 4.545 x 0.02 = 0.091 t per t NdPr."),
    "asm_dytb_in_hre": ("Dy+Tb oxide per t of hard-rock medium/heavy concentrate", "t/t", 0.15, 0.08, 0.25,
                        "Hard-rock heavy fractions are dominated by Sm, Eu, Gd and Y; Dy+Tb a minority. With 2% HRE this gives 0.3% Dy+Tb in REO: MP's ~51 kt REO -> ~150 t, close to its planned 200 t/yr. sep_heavy input = 1/0.15 = 6.67 t per t Dy+Tb."),
    "asm_ndpr_grade_ionic": ("NdPr oxide per t REO in ion-adsorption clay concentrate", "t/t", 0.25, 0.15, 0.32,
                             "Medium-Y/Nd-rich clays (Xunwu type) ~25-30% NdPr, Y-rich (Longnan type) <10%; a mixed feed."),
    "asm_dytb_grade_ionic": ("Dy+Tb oxide per t REO in ion-adsorption clay concentrate", "t/t", 0.0625, 0.04, 0.09,
                             "Clays hold up to ~45% medium/heavy REE (JOGMEC via mgssi-2026), Dy ~4-6% and Tb ~0.7-1% of REO in mixed feed. sep_ionic takes 1/0.0625 = 16 t REO per t Dy+Tb (its main output) and yields 16 x 0.25 = 4 t NdPr."),
    "asm_recycle_dytb": ("Dy+Tb recovered per t NdPr recovered in recycling", "t/t", 0.05, 0.02, 0.07,
                         "Magnet scrap carries Dy/Tb in the magnet ratio (0.02/0.33 = 0.06); some lost. Split into Dy and Tb by d-dytb-split-ionic."),
    # magnet grades (docs/model.md § Magnet grades): t oxide per t magnet
    "asm_grade_std_dy": ("Dy oxide per t of standard-grade sintered NdFeB (Dy/Tb in the bulk alloy)", "t/t", 0.017, 0.008, 0.04,
                         "Dy is 0.2-6 wt% of sintered NdFeB (d-magnet-composition); the 2% Dy+Tb of the standard grade (d-magnet-composition) is mostly Dy. High-coercivity bulk grades (EV traction, SH/UH) sit at 3-4%, low-coercivity ones near 1%."),
    "asm_grade_std_tb": ("Tb oxide per t of standard-grade sintered NdFeB", "t/t", 0.003, 0.0, 0.006,
                         "Bulk Tb is used sparingly (it costs ~3-4x Dy, usgs-mcs-2026); the rest of the 2% Dy+Tb (d-magnet-composition)."),
    "asm_grade_gbd_dy": ("Dy oxide per t of grain-boundary-diffused (GBD) NdFeB", "t/t", 0.001, 0.0, 0.004,
                         "Grain-boundary diffusion puts the heavy rare earth only at grain surfaces: a 50-80% cut in heavy-REE use for the same coercivity (industry practice since the late 2000s; no figure in the sources). The diffused element is mostly Tb; a little Dy stays."),
    "asm_grade_gbd_tb": ("Tb oxide per t of grain-boundary-diffused (GBD) NdFeB", "t/t", 0.004, 0.002, 0.008,
                         "0.2-0.8 wt% Tb diffused from the surface (no figure in the sources): Tb raises coercivity about twice as much per atom as Dy."),
    "asm_grade_dyfree_ndpr": ("NdPr metal per t of heavy-free (Dy- and Tb-free) NdFeB", "t/t", 0.29, 0.28, 0.31,
                              "Heavy-free grades (Daido hot-deformed in hybrid-car motors since 2016, Proterial samples 2026, Aichi bonded; mgssi-2026) keep coercivity by fine grains and a little more Nd/Pr: 0.29 vs 0.28 t metal in the standard grade."),
    "asm_cost_magnet_gbd_premium": ("Extra making cost of the grain-boundary-diffused grade over the standard grade", "$/kg magnet", 2.75, 1.0, 6.0,
                                    "Coating/diffusion heat treatment of finished blocks; no published cost. Sets the Dy-Tb price relation where both grades are made: premium = (Dy_std - Dy_gbd) P_Dy - (Tb_gbd - Tb_std) P_Tb (docs/model.md § Magnet grades)."),
    "asm_grade_gbd_max_share": ("Most of a sintered plant's capacity that can run the grain-boundary-diffused grade", "share", 0.6, 0.4, 0.9,
                                "Diffusion from the surface reaches only a few mm, so GBD suits thin magnets (EV traction segments, thin arc magnets); thick blocks (wind generators, large industrial motors) keep Dy/Tb in the bulk alloy, as do plants without diffusion furnaces. No published share: an assumption. It lets ex-China Dy and Tb prices part from the standard/GBD indifference line when heavies are scarce (docs/model.md § Magnet grades)."),
    "asm_grade_tb_dy_equiv": ("Dy oxide that replaces 1 t of Tb oxide in a bulk-alloyed (standard) magnet, same coercivity", "t/t", 2.0, 1.5, 3.0,
                              "Tb raises coercivity about twice as much per atom as Dy (asm_grade_gbd_tb); bulk magnets were Dy-only before Tb became common. The Dy-only standard grade uses asm_grade_std_dy + 2 x asm_grade_std_tb Dy and no Tb."),
    "asm_cost_magnet_dyonly_premium": ("Extra cost of the Dy-only standard grade over the standard grade", "$/kg magnet", 1.5, 0.5, 3.0,
                                       "More Dy lowers remanence, so a motor needs a little more magnet; no published cost. Above the $1.19/kg at which China's 2025 prices (Dy $225, Tb $845) make the two equal, so China keeps its Tb in the bulk; ex-China makers switch when Tb costs more than 2 P_Dy + premium / 0.003 (docs/model.md § Magnet grades)."),
    "asm_grade_dyonly_max_share": ("Most of a sintered plant's capacity that can run the Dy-only standard grade", "share", 1.0, 0.5, 1.0,
                                   "Changing the bulk alloy needs no new equipment: any sintered line can make it."),
    "asm_grade_dyfree_max_share": ("Most of a listed plant's capacity that can run the heavy-free grade", "share", 1.0, 0.5, 1.0,
                                   "The plants listed for the heavy-free grade (HEAVY_FREE: Daido, Proterial, Aichi; part of China) may run it on all their capacity; what limits its use is segment acceptance (asm_dyfree_accept_*)."),
    "asm_cost_magnet_dyfree_premium": ("Extra making cost of the heavy-free grade over the standard grade", "$/kg magnet", 5.4, 3.0, 12.0,
                                       "Fine-grain / hot-deformation processing, lower yields; no published cost. Where heavy-free and GBD magnets are both made it sets the level of the heavy prices: premium_free + 0.01 P_metal = premium_gbd + Dy_gbd P_Dy + Tb_gbd P_Tb."),
    "asm_dyfree_accept_ev": ("Share of EV traction NdFeB demand a heavy-free grade can serve", "share", 0.1, 0.0, 0.3,
                             "Traction motors run hot; Daido's heavy-free magnets are in hybrid-car motors since 2016 (mgssi-2026), most traction designs still need Dy/Tb (SEED: EV magnets need heavy REEs for heat resistance)."),
    "asm_dyfree_accept_wind": ("Share of wind NdFeB demand a heavy-free grade can serve", "share", 0.0, 0.0, 0.2,
                               "Direct-drive generators are large and cool but need decades of stability margin; no published use of heavy-free grades."),
    "asm_dyfree_accept_industrial": ("Share of industrial NdFeB demand a heavy-free grade can serve", "share", 0.5, 0.2, 0.8,
                                     "Pumps, fans, servo motors: many run below ~100 C where heavy-free grades suffice; high-temperature ones do not."),
    "asm_dyfree_accept_electronics": ("Share of electronics/consumer NdFeB demand a heavy-free grade can serve", "share", 0.8, 0.5, 1.0,
                                      "Speakers, drives, appliances run cool; e-bike and power-tool motors may need some Dy."),
    # costs, $/kg of main output, excluding purchased inputs
    "asm_cost_mine_cn_light": ("Mining cost, China hard rock (Bayan Obo by-product, Sichuan)", "$/kg REO", 2.0, 1.0, 5.0,
                               "Bayan Obo REE is a by-product of iron-ore mining; low waste-handling cost (JOGMEC). No published cash cost."),
    "asm_cost_mine_cn_ionic": ("Mining cost, China ion-adsorption clays (in-situ leaching)", "$/kg REO", 8.0, 4.0, 15.0,
                               "Leaching reagents and environmental controls; no published cost."),
    "asm_cost_mine_row": ("Mining cost, rest of world (Myanmar clays, Thai/Indian/Russian/African output)", "$/kg REO", 5.0, 2.0, 12.0,
                          "Myanmar clays are mined with few controls; no published cost."),
    "asm_cost_mine_exchina": ("Mining and concentration cost, established ex-China hard-rock mines (Mountain Pass, Mt Weld incl. Kalgoorlie cracking)", "$/kg REO", 4.0, 2.5, 8.0,
                              "MP's all-in NdPr cash cost 'slightly above $60/kg' (Q1 2025) implies a few $/kg REO of mining cost; Lynas includes cracking and leaching at Kalgoorlie."),
    "asm_cost_mine_new": ("Mining cost incl. capital recovery, new mines (Round Top, Eneabba stockpile feed, Serra Verde ramp)", "$/kg REO", 8.0, 4.0, 15.0,
                          "Ex-China capex ~50% above China's (iea-2025); projects not yet running carry levelised capital cost in their unit cost so that dispatch reflects whether the project is worth running."),
    "asm_cost_sep_cn": ("Separation cost in China, light REO (per t NdPr; all co-products handled)", "$/kg NdPr", 20.0, 10.0, 30.0,
                        "Covers processing 4.5 t REO, La/Ce and waste handling. Set so that concentrate trades at a large discount to its contained NdPr value, as MP's concentrate sales to China did; moves the concentrate price and whether ex-China separators run."),
    "asm_cost_sep_ionic_cn": ("Separation cost in China, ion-adsorption feed (per t Dy+Tb; 16 t REO processed)", "$/kg DyTb", 40.0, 25.0, 80.0,
                              "~$2.5/kg REO processed; no published figure."),
    "asm_cost_sep_heavy": ("Heavy-REE separation cost, established plants (per t Dy+Tb)", "$/kg DyTb", 30.0, 15.0, 60.0,
                           "Solvent extraction of the SEG/HRE stream; no published figure."),
    "asm_cost_sep_exchina": ("Separation cost, operating ex-China plants (MP, Lynas Malaysia, Neo Silmet), cash", "$/kg NdPr", 15.0, 10.0, 45.0,
                             "Variable cost excluding feed. With feed at the model's ~$11/kg REO (4.5 t = ~$50) the total ~$65/kg matches MP's reported cash cost 'slightly above $60/kg' (mp-materials, medium confidence)."),
    "asm_cost_sep_new": ("Separation cost incl. capital recovery, new ex-China plants (Eneabba, White Mesa, Solvay, Maaden, Seadrift)", "$/kg NdPr", 30.0, 15.0, 60.0,
                         "With feed (~$50/kg NdPr) the full cost is ~$80/kg, inside the $75-105/kg incentive price for new supply (project-blue); ex-China capex ~50% above China's (iea-2025)."),
    "asm_cost_sep_heavy_new": ("Heavy-REE separation cost incl. capital recovery, new plants", "$/kg DyTb", 60.0, 30.0, 150.0,
                               "No published figure."),
    "asm_cost_recycle_swarf": ("Recycling cost, China magnet-manufacturing swarf (per t NdPr recovered)", "$/kg NdPr", 45.0, 30.0, 60.0,
                               "Swarf from machining magnet blocks is collected at the plant; cheap, volume tied to magnet output."),
    "asm_cost_recycle_eol_low": ("China end-of-life / secondary NdPr supply: cost of the cheapest tonne (per t NdPr recovered)", "$/kg NdPr", 40.0, 30.0, 55.0,
                                 "Bottom of China's secondary supply curve: end-of-life scrap from concentrated sources (motor and HDD scrap, leftover swarf) and off-quota feed through established plants; slightly below swarf recycling cost once collection is paid. No published cost curve."),
    "asm_cost_recycle_eol_high": ("China end-of-life / secondary NdPr supply: cost of the last tonne of the year's capacity (per t NdPr recovered)", "$/kg NdPr", 120.0, 90.0, 160.0,
                                  "Top of the curve: dispersed consumer scrap, small-batch hydrometallurgy, costly off-quota feed. The curve rises linearly from the low to the high cost across the year's capacity (slope_usd_per_kg_per_t in costs.csv); with the quota binding, where demand cuts this curve sets China's NdPr price. Range from incentive-price studies for new supply ($75-105, project-blue; up to $120-180, Barrenjoey) as an upper reference."),
    "asm_cost_new_supply_generic": ("Cost of generic new NdPr supply (integrated mine + separation, not yet identified)", "$/kg NdPr", 95.0, 75.0, 120.0,
                                    "Incentive price for new supply $75-105/kg (project-blue), $120-180 (Barrenjoey). Caps long-run prices when demand outgrows named projects."),
    "asm_cost_metal_cn": ("Metal (oxide -> NdPr metal) conversion cost, China and established Asian makers", "$/kg metal", 6.0, 3.0, 10.0,
                          "Cheap power (JOGMEC); no published figure."),
    "asm_cost_metal_new": ("Metal conversion cost incl. capital recovery, new US plants", "$/kg metal", 12.0, 6.0, 25.0,
                           "No published figure."),
    "asm_cost_magnet": ("Magnet-making cost excl. rare-earth inputs, China and established makers (Japan, Korea, Vietnam, VAC, Narva)", "$/kg magnet", 17.0, 8.0, 25.0,
                        "Fe, B, Co, labour, energy, machining. Established non-China makers are given China's cost less asm_cost_magnet_incumbent_credit; the ex-China price premium (+$10-30/kg, neo-performance/reuters-2025) is not represented as a cost."),
    "asm_cost_magnet_incumbent_credit": ("Cost credit of established non-China magnet makers (Japan, Korea, Vietnam, VAC, Narva) against China's cost", "$/kg magnet", 0.5, 0.0, 2.0,
                                         "Not a real cost difference: a device that keeps incumbent non-China makers running on their long-term, qualified customer contracts (which the homogeneous-product LP cannot see) and lets Japan's output beyond its own use reach the US, as it does (usitc-dataweb). Without it they lose ties of a few cents to Chinese magnets."),
    "asm_cost_magnet_new": ("Magnet-making cost incl. capital recovery, new US plants (MP Independence/10X, USA Rare Earth)", "$/kg magnet", 27.0, 18.0, 40.0,
                            "Ex-China capex ~50% above China's (iea-2025) and early-ramp yields; no published figure. New US plants do not run in the baseline without policy support (offtake, floors, tariffs)."),
    "asm_cost_fen": ("Iron-nitride (FeN) magnet cost incl. capital recovery", "$/kg magnet", 30.0, 15.0, 60.0,
                     "No published cost; iron and nitrogen inputs are cheap, the process is new."),
    "asm_fen_ratio": ("t FeN magnet replacing 1 t NdFeB", "t/t", 1.3, 1.0, 2.0,
                      "FeN has a lower energy product than NdFeB; more material per motor."),
    "asm_fen_share_industrial": ("Max FeN share of industrial NdFeB use", "share", 0.3, 0.1, 0.5, "Pumps, fans, motors with room for larger magnets."),
    "asm_fen_share_electronics": ("Max FeN share of electronics NdFeB use", "share", 0.2, 0.05, 0.4, "Speakers, drives, consumer goods."),
    "asm_fen_share_ev": ("Max FeN share of EV traction NdFeB use", "share", 0.05, 0.0, 0.2, "Rare-earth-free traction magnets are 5-10 years out (mgssi-2026)."),
    "asm_fen_share_wind": ("Max FeN share of wind NdFeB use", "share", 0.0, 0.0, 0.1, "Direct-drive generators need high energy product."),
    # demand
    "asm_demand_growth": ("NdFeB demand growth per year 2025-2035, all nodes and segments", "share/yr", 0.081, 0.075, 0.087,
                          "Published outlooks +7.5%/yr (adamas-2023) and +8.7%/yr (adamas-2024); central the midpoint."),
    # constant-elasticity demand q = q0 (p/p0)^e per segment (curves.demand: ces; docs/model.md § Demand curves)
    "asm_demand_elasticity_ev": ("Price elasticity of EV traction NdFeB demand (constant elasticity)", "1", -0.25, -0.6, -0.08,
                                 LIT + " EV: 1-2 kg of magnet in a $40k car (<0.5% of cost); induction and wound-rotor motors substitute only with a redesign (years)."),
    "asm_demand_elasticity_wind": ("Price elasticity of wind NdFeB demand (constant elasticity)", "1", -0.4, -0.8, -0.15,
                                   LIT + " Wind: geared turbines with induction (DFIG) generators are a ready substitute for direct-drive permanent-magnet designs."),
    "asm_demand_elasticity_industrial": ("Price elasticity of industrial NdFeB demand (constant elasticity)", "1", -0.32, -0.7, -0.1,
                                         LIT + " Industrial motors: induction and ferrite motors substitute at some efficiency loss."),
    "asm_demand_elasticity_electronics": ("Price elasticity of electronics NdFeB demand (constant elasticity)", "1", -0.2, -0.5, -0.05,
                                          LIT + " Electronics: grams per device, a negligible cost share, few substitutes at that size."),
    "asm_voll": ("Value of lost load, civil NdFeB demand", "$/kg", 500.0, 150.0, 2000.0,
                 "Willingness to pay cap: a missing magnet stops a motor or a car line (Ford, May 2025, mgssi-2026)."),
    "asm_voll_defence": ("Value of lost load, defence NdFeB demand", "$/kg", 2000.0, 500.0, 10000.0,
                         "Defence programmes pay far above market to avoid delays; inelastic (elasticity 0): every tonne is valued at this VOLL, which binds whenever supply falls short."),
    "asm_segment_ev": ("EV traction share of NdFeB demand", "share", 0.30, 0.22, 0.38, "Industry outlooks put EV traction at a quarter to a third of NdFeB use."),
    "asm_segment_wind": ("Wind share of NdFeB demand", "share", 0.10, 0.06, 0.14, "Direct-drive and hybrid turbines."),
    "asm_segment_industrial": ("Industrial motors/robotics share of NdFeB demand", "share", 0.27, 0.2, 0.35, "Industrial motors, pumps, elevators, robotics."),
    "asm_segment_electronics": ("Electronics/consumer share of NdFeB demand", "share", 0.32, 0.25, 0.4, "Acoustic, HDD, appliances, e-bikes."),
    "asm_segment_defence": ("Defence share of NdFeB demand outside the US", "share", 0.01, 0.0, 0.03, "US defence is taken from dod-2012 instead."),
    "asm_node_demand_CN": ("China NdFeB consumption 2025", "t", 254000, 220000, 280000, "China output (~300 kt 2024, grown ~5%) less exports ~60 kt (china-customs-2024) less what Japan etc. make."),
    "asm_node_demand_JP": ("Japan NdFeB consumption 2025", "t", 16100, 12000, 30000, "Japan makes ~18 kt (asm_cap_jp_*) and is a net exporter of ~1.9 kt to the US (d-us-magnet-imports); imports from China are not needed at the central value."),
    "asm_node_demand_KR": ("South Korea NdFeB consumption 2025", "t", 10000, 6000, 15000, "Hyundai/Kia motors, Samsung/LG electronics; mostly Chinese imports."),
    "asm_node_demand_EU": ("EU NdFeB consumption 2025", "t", 20000, 15000, 30000, "Germany is China's largest magnet export market; wind, auto, industrial."),
    "asm_node_demand_VN": ("Vietnam NdFeB consumption 2025", "t", 1000, 500, 3000, "Electronics assembly."),
    "asm_node_demand_MY": ("Malaysia NdFeB consumption 2025", "t", 1000, 500, 2000, "Electronics."),
    "asm_node_demand_AU": ("Australia NdFeB consumption 2025", "t", 500, 200, 1000, "Small manufacturing base."),
    "asm_node_demand_BR": ("Brazil NdFeB consumption 2025", "t", 1000, 500, 2000, "Motors, wind (WEG)."),
    "asm_node_demand_SA": ("Saudi Arabia NdFeB consumption 2025", "t", 300, 100, 1000, "Small manufacturing base; a remainder of China's exports."),
    "asm_node_demand_ROW": ("Rest-of-world NdFeB consumption 2025", "t", 20000, 12000, 30000, "India, Thailand, Mexico, Turkey, Philippines...: the remainder of China's ~58-62 kt of exports."),
    # capacities without published figures
    "asm_cap_cn_sep_light": ("China light-REO separation capacity 2025", "t NdPr/yr", 100000, 70000, 130000, "China's separation capacity exceeds its smelting quota (254 kt REO 2024 ~ 56 kt NdPr) and processes imported feed; not binding in 2025."),
    "asm_cap_cn_sep_ionic": ("China ion-adsorption separation capacity 2025", "t DyTb/yr", 6000, 4000, 8000, "Southern China separation plants; not binding."),
    "asm_cap_cn_sep_heavy": ("China heavy-REE separation capacity (hard-rock SEG/HRE stream) 2025", "t DyTb/yr", 2000, 1000, 3000, "Not binding."),
    "asm_cap_cn_metal": ("China NdPr metal capacity 2025", "t metal/yr", 150000, 110000, 200000, "China metal output 88 kt (2024, china-industry-2024) with spare capacity."),
    "asm_cap_cn_magnet_std": ("China standard NdFeB capacity 2025", "t/yr", 250000, 180000, 320000, "Chinese sintered capacity is well above output; split between standard and low-heavy grades by assumption."),
    "asm_cap_cn_magnet_lowhre": ("China NdFeB capacity able to make heavy-free grades 2025", "t/yr", 200000, 100000, 300000, "Grain-boundary diffusion is widespread in China (every Chinese plant may run it); this part of capacity can also make heavy-free grades."),
    "asm_cn_capacity_growth": ("Growth of China's processing (separation, metal, magnet) capacity", "share/yr", 0.08, 0.03, 0.12, "Keeps pace with demand; capacity is not the binding constraint in China."),
    "asm_cap_cn_recycle_swarf": ("China swarf recycling 2025", "t NdPr/yr", 15000, 10000, 25000, "Machining losses of ~25% of blank mass (china-industry-2024 blanks ~300 kt) hold ~20 kt NdPr; part recycled in the cheap tranche."),
    "asm_cap_cn_recycle_eol": ("China end-of-life / secondary NdPr supply capacity 2025 (the width of the rising curve)", "t NdPr/yr", 20000, 10000, 40000, "End-of-life, remaining swarf, off-quota supply. China's 2024 NdPr oxide output ~106 kt exceeds what its quota and imports yield (china-industry-2024): the gap is secondary supply."),
    "asm_recycle_growth": ("Growth of China's secondary NdPr supply", "share/yr", 0.08, 0.04, 0.12, "Tracks magnet production and end-of-life volumes."),
    "asm_incumbent_growth": ("Capacity growth of established non-China metal and magnet makers (Japan, Korea, Vietnam, VAC)", "share/yr", 0.06, 0.0, 0.1,
                             "No published plans; slower than demand (+7.5-8.7%/yr), so China's magnet share creeps up unless new plants run."),
    "asm_cap_jp_magnet_std": ("Japan standard NdFeB capacity (Shin-Etsu, TDK, Proterial)", "t/yr", 12000, 8000, 20000, "No published total; Japan is the main non-China producer (JOGMEC via mgssi-2026)."),
    "asm_cap_jp_magnet_lowhre": ("Japan NdFeB capacity able to make heavy-free grades (Daido, Proterial, Aichi bonded)", "t/yr", 6000, 3000, 10000, "mgssi-2026 lists Daido (since 2016), Proterial, Aichi Steel."),
    "asm_cap_jp_metal": ("Japan NdPr metal/alloy capacity", "t metal/yr", 4000, 2000, 8000, "Alloying: Japan is second after China (JOGMEC)."),
    "asm_cap_vn_metal": ("Vietnam NdPr metal capacity", "t metal/yr", 4000, 2000, 8000, "Metal: Vietnam is second after China (JOGMEC via mgssi-2026)."),
    "asm_cap_kr_metal": ("Korea NdPr metal capacity", "t metal/yr", 1000, 0, 3000, "Small alloy makers."),
    "asm_cap_kr_magnet": ("Korea NdFeB capacity (Star Group and others)", "t/yr", 2000, 1000, 4000, "No published total."),
    "asm_cap_vn_magnet": ("Vietnam NdFeB capacity (foreign-owned plants)", "t/yr", 4000, 2000, 8000, "Vietnam-made magnets sell at +15-20% (reuters-2025); no published total."),
    "asm_cap_eu_vac": ("VAC (Germany) sintered NdFeB capacity in Europe", "t/yr", 1500, 1000, 3000, "No published figure."),
    "asm_mp_ndpr_expansion": ("MP Mountain Pass NdPr capacity from 2027 (5,000) and 2028 on", "t NdPr/yr", 6000, 4000, 6500, "MP's stated upgrade target (recollection, unverified); 2027 midway."),
    "asm_cap_roundtop": ("USA Rare Earth Round Top heavy-rich REO output from 2028", "t REO/yr", 1000, 0, 5000, "No capacity published; Round Top is a heavy-rich rhyolite, modelled as heavy-rich (ionic-type) feed."),
    "asm_cap_usar_metal": ("USA Rare Earth metal capacity path (2026 1,000; 2028 3,000; 2030 10,000)", "t metal/yr", 10000, 3000, 10000, "Commerce LOI plan 10,000 t/yr metal (usar-2026); timing assumed."),
    "asm_cap_maaden": ("MP-Maaden Saudi refinery NdPr capacity from 2030", "t NdPr/yr", 3000, 0, 6000, "No capacity or date published (mp-maaden-2025); status announced."),
    "asm_cap_maaden_heavy": ("MP-Maaden Saudi refinery Dy/Tb capacity from 2030", "t DyTb/yr", 200, 0, 400, "No figure published."),
    "asm_cap_seadrift": ("Lynas Seadrift (Texas) Dy/Tb capacity as a build option", "t DyTb/yr", 750, 0, 1500, "Construction seriously uncertain (lynas-dod-2026): now a build option the model decides on; size = 5,000 t/yr heavy feed x 0.15 Dy+Tb (d-capex-sep-heavy); 0 switches it off."),
    "asm_mp_heavy_2026": ("MP heavy separation capacity in 2026 (mid-year start)", "t DyTb", 100, 50, 150, "Half of 200 t/yr from mid-2026 (mp-materials)."),
    "asm_ef_p1_2025": ("Energy Fuels phase 1 NdPr output capacity in 2025", "t NdPr", 450, 200, 925, "Phase 1 850-1,000 t/yr (energy-fuels); first full year after commissioning at half."),
    "asm_usar_stillwater_path": ("USA Rare Earth Stillwater magnets path (2026 600; 2027 1,200; 2028-29 4,800; 2030- 10,000)", "t/yr", 10000, 4800, 10000, "1,200 rising to 4,800 t/yr; Commerce LOI plan 10,000 t/yr (usar-2026); timing assumed."),
    "asm_narva_path": ("Neo Narva magnets path (2025 700; 2026-29 2,000; 2030- 5,000)", "t/yr", 5000, 2000, 5000, "2,000 t/yr opened Sep 2025; phase 2 5,000 t/yr (neo-performance); phase-2 timing assumed."),
    "asm_mp_indep_2025": ("MP Independence magnet capacity in 2025 (trial/commissioning year)", "t", 200, 0, 1000, "Commercial deliveries began late 2025 (mp-materials); first-year volume assumed."),
    "asm_serra_verde_growth": ("Brazil (Serra Verde clay) output after 2025", "t REO/yr", 2000, 2000, 6000, "Held at the USGS 2025 figure."),
    # investment: build options (projects.csv)
    "asm_capex_mine": ("Overnight capex, new or expanded ex-China rare-earth mine and concentrator", "$ per t REO/yr", 25000, 12000, 50000,
                       "No published per-tonne figure in the sources; ex-China capex ~50% above China's (iea-2025). Hard-rock expansions at operating mines at the low end, greenfield at the high end."),
    "asm_capex_sep_light": ("Overnight capex, new ex-China light-REE separation (per t NdPr/yr)", "$ per t NdPr/yr", 150000, 80000, 300000,
                            "No published per-tonne figure in the sources; a separation plant treats ~4.5 t REO per t NdPr and handles all co-products. Expansions of operating plants at the low end."),
    "asm_capex_sep_heavy": ("Overnight capex, heavy-REE (Dy/Tb) separation", "$ per t DyTb/yr", 340000, 150000, 600000, "d-capex-sep-heavy: Seadrift award / its Dy+Tb output."),
    "asm_capex_metal": ("Overnight capex, NdPr metal/alloy plant", "$ per t metal/yr", 20000, 10000, 40000, "No published figure; electrolytic reduction cells are small relative to separation."),
    "asm_capex_magnet": ("Overnight capex, new ex-China sintered NdFeB magnet plant", "$ per t magnet/yr", 120000, 60000, 200000, "d-capex-magnet: 10X financing per t is an upper bound."),
    "asm_capex_fen": ("Overnight capex, iron-nitride (FeN) magnet plant", "$ per t magnet/yr", 60000, 30000, 120000, "No published figure; a new process (niron-2025)."),
    "asm_capex_integrated": ("Overnight capex, unnamed integrated ex-China project (mine + separation), per t NdPr/yr", "$ per t NdPr/yr", 260000, 180000, 400000,
                             "4.5 t REO/yr of mine (asm_capex_mine) + separation (asm_capex_sep_light) per t NdPr/yr; greenfield."),
    "asm_cap_unnamed": ("Size of the unnamed-project class (ROW integrated NdPr), total", "t NdPr/yr", 60000, 0, 120000,
                        "Replaces the old generic supply (6 kt/yr more each year from 2027); how much undeveloped ex-China NdPr could be developed by 2035. Incentive price $75-105/kg (project-blue)."),
    "asm_lead_unnamed": ("Lead time of an unnamed greenfield integrated project, decision to first output", "years", 5, 4, 10, "Greenfield mine + separation: permitting and construction; the brief says domestic build-out needs at least 2-3 years (mgssi-2026)."),
    "asm_project_lifetime": ("Economic lifetime of a new plant", "years", 20, 15, 30, "Standard for process plants; no published figure."),
    "asm_fom_share": ("Fixed O&M per year as a share of overnight capex", "share/yr", 0.03, 0.02, 0.05, "Maintenance, insurance, staff; no published figure."),
    "asm_hurdle_merchant": ("Cost of capital of a merchant ex-China rare-earth project (real, pre-tax)", "share/yr", 0.12, 0.09, 0.15,
                            "Price risk of a market China can flood (2012-16, 2023-24 collapses); above typical mining discount rates. Method of contracted vs merchant hurdle rates: desnz-2023."),
    "asm_hurdle_contracted": ("Cost of capital of a project backed by a price floor or an offtake (real, pre-tax)", "share/yr", 0.08, 0.06, 0.10,
                              "Contracted revenue lowers the hurdle rate (desnz-2023 method); the gap to merchant is the de-risking value of a floor or an offtake."),
    "asm_cost_mine_new_cash": ("Operating cash cost, new ex-China mines (capital recovered separately)", "$/kg REO", 5.0, 3.0, 10.0, "asm_cost_mine_new less capital recovery, now an explicit capex."),
    "asm_cost_sep_new_cash": ("Operating cash cost, new ex-China light separation (per t NdPr, excl. feed)", "$/kg NdPr", 18.0, 10.0, 35.0, "asm_cost_sep_new less capital recovery; above the operating plants' asm_cost_sep_exchina (first-of-a-kind)."),
    "asm_cost_sep_heavy_new_cash": ("Operating cash cost, new heavy-REE separation (per t Dy+Tb, excl. feed)", "$/kg DyTb", 35.0, 20.0, 80.0, "asm_cost_sep_heavy_new less capital recovery."),
    "asm_cost_metal_new_cash": ("Operating cash cost, new US metal plants", "$/kg metal", 8.0, 5.0, 15.0, "asm_cost_metal_new less capital recovery."),
    "asm_cost_magnet_new_cash": ("Operating cash cost, new ex-China magnet plants (excl. rare-earth inputs)", "$/kg magnet", 20.0, 14.0, 30.0, "asm_cost_magnet_new less capital recovery; above China's asm_cost_magnet (labour, energy, yields)."),
    "asm_cost_fen_cash": ("Operating cash cost, FeN magnets", "$/kg magnet", 22.0, 12.0, 45.0, "asm_cost_fen less capital recovery."),
    "asm_cost_unnamed_cash": ("Operating cash cost, unnamed integrated ex-China NdPr project (mining + separation, per t NdPr)", "$/kg NdPr", 35.0, 25.0, 50.0,
                              "4.5 t REO x asm_cost_mine_new_cash + asm_cost_sep_new_cash, rounded up for greenfield."),
    # gradual trade (model/equilibrium/gradual.py)
    "asm_trade_elasticity": ("Trade elasticity of NdFeB magnet flows on an arc: a wedge of w (share of the price) moves a reference flow by -elasticity x w", "1", 2.0, 1.0, 4.0,
                             "No published rare-earth estimate. Below the median structural tariff elasticity of ~5 (head-mayer-2014) because buyers must qualify a magnet supplier (months to years) and few ex-China makers exist; method pda-2011."),
    "asm_trade_premium_cap": ("Largest premium over the reference price a buyer pays to keep or add a magnet supplier (share of the price)", "share", 0.25, 0.10, 0.40,
                              "Beyond it an arc grows at a flat premium (pda-2011 method); the 2025 ex-China magnet premium of $10-30/kg on ~$55 (neo-performance) bounds it."),
    "asm_trade_new_arc_share": ("Reference flow of a magnet arc with no observed trade, share of the destination's reference imports", "share", 0.05, 0.02, 0.10,
                                "A new supplier pays a qualification premium rising from 0 to asm_trade_premium_cap over its first elasticity x cap x this share of the destination imports (pda-2011 method); no published figure."),
    "asm_trade_qualification_growth": ("Supplier qualification: largest yearly growth of a magnet arc's flow over last year's, plus this share of its reference flow (first year: over the reference flow)", "share/yr", 0.5, 0.25, 1.0,
                                       "No published figure. A buyer qualifies a new magnet grade or supplier in 6-18 months (samples, part approval, line trials), so an ex-China maker can add roughly half its volume to a destination in a year; 1.0 (doubling) is the fast end, 0.25 the slow. Binds in 2025: China's magnets to the US fell by a quarter under the April licences while the US imported ~84% of its magnets from China (usitc-dataweb), so others could not fill the gap (d-us-shortfall-2025)."),
    "asm_us_import_share_jp": ("Japan's share of US non-China NdFeB magnet imports at the pre-control pace", "share", 0.7, 0.5, 0.85,
                               "Japan is the main non-China supplier (Shin-Etsu, Proterial, TDK); the rest split equally among South Korea, Vietnam and the EU. No published split by tonnes."),
    # private storage (model/equilibrium/storage.py)
    "asm_private_stock_days": ("Room of private stockholders: days of the node's 2025 NdFeB magnet demand (magnets) or of the Dy/Tb oxide in it (oxides)", "days", 30.0, 0.0, 90.0,
                               "No published inventory figure by holder. Magnet users held weeks of supply in 2025: China's licence requirement of 4 April 2025 idled Ford's Chicago Explorer line in May (reuters-2025), about 30 days later. The high end is the IEA's 90-day oil obligation, which counts industry stocks. Competitive storage method: williams-wright-1991."),
    "asm_private_stock_opening": ("Private stocks held at the start of 2025, share of the room (asm_private_stock_days)", "share", 1.0, 0.0, 1.0,
                                  "Working stocks of magnet users and makers before the April 2025 controls: the usual cover (1) or nothing that could be drawn down (0)."),
    "asm_private_holding_share": ("Physical cost of holding private stocks: warehousing, insurance, handling, share of value per year", "share/yr", 0.02, 0.01, 0.04,
                                  "Oxides and magnets are compact and stable; the same ~2% of value as the public stockpile's holding cost (runs/library/vault.yaml). storage.csv holding cost = (this + asm_private_finance_premium) x the 2025 price (magnets $50/kg, Dy oxide $225/kg, Tb oxide $800/kg; observed.csv)."),
    "asm_private_finance_premium": ("Financing premium of private stockholders over the model's real discount rate, share of value per year", "share/yr", 0.03, 0.0, 0.08,
                                    "Inventory is financed at a firm's cost of working capital, about 3 points above the Treasury rate of the loan costing (prime ~7.5% vs ~4.3% in 2025); 0 is the risk-neutral storer of williams-wright-1991 at the social rate, 8 points a risk-averse holder."),
    "asm_private_conc_room_years": ("Room of Mountain Pass's concentrate stockpile (clean US light concentrate), years of the mine's 2025 output (50,692 t REO); empty at the start of 2025", "years", 1.5, 0.5, 2.0,
                                    "MP stopped shipping concentrate to China in April 2025 (reuters-2025) and kept mining at a record 50,692 t REO (mp-materials) while separating 2,599 t NdPr oxide (~11,800 t REO), so ~29,000 t REO went into stock in 2025 (d-mp-china-2025: 9,700 t shipped in Q1). No published figure for the room of the stockpile (bagged or stacked concentrate on site). At 1.5 years the room does not bind in 2025-26 and the stock is what the expected price from 2027 pays for; at 1 year it binds in 2026 and 2025 output falls to ~46,000 t; at 0.5 years the 2026 surplus fills it and 2025 output is ~24,000 t (the mine runs only for MP's separation and its Q1 shipments). Holding cost as the other private holders: (asm_private_holding_share + asm_private_finance_premium) x the mine's cash cost (asm_cost_mine_exchina, $4/kg REO), the value of concentrate without a Chinese buyer."),
    # freight
    "asm_freight_handling_bulk": ("Freight handling per leg, concentrate", "$/kg REO", 0.15, 0.05, 0.4, "Bagging, port, customs, insurance on low-value concentrate."),
    "asm_freight_handling_refined": ("Freight handling per leg, oxides, metal, magnets", "$/kg", 0.3, 0.1, 1.0, "Containers, insurance (~0.5% of value), customs."),
    "asm_freight_per_1000km": ("Ocean freight per 1,000 km", "$/kg per 1000 km", 0.01, 0.004, 0.03, "Container/bulk rates (~$2,000 per 20 t box over 10,000 km ~ $0.01/kg per 1,000 km)."),
}

# ----------------------------------------------------------------------------- tables
def build(overrides: dict[str, float] | None = None) -> dict[str, list[dict]]:
    """All data rows, computed from the assumptions' central values (or ``overrides``: a dict
    assumption_id -> value, e.g. a sweep point). Returns {table: [row dicts]}."""
    unknown = set(overrides or {}) - set(ASM)
    if unknown:
        raise KeyError(f"unknown assumption(s): {sorted(unknown)}")
    A = {k: v[2] for k, v in ASM.items()} | dict(overrides or {})
    ROWS: dict[str, list[dict]] = {k: [] for k in (
        "nodes", "commodities", "processes", "facilities", "capacity", "costs", "demand", "routes",
        "substitution", "observed", "projects", "grades", "trade_reference", "storage")}

    def add(table, **kw):
        ROWS[table].append(kw)


    # ----------------------------------------------------------------------------- nodes
    NODES = [("CN", "China"), ("US", "United States"), ("AU", "Australia"), ("JP", "Japan"), ("MY", "Malaysia"),
             ("VN", "Vietnam"), ("SA", "Saudi Arabia"), ("BR", "Brazil"), ("EU", "European Union"),
             ("KR", "South Korea"), ("ROW", "Rest of world (Myanmar, Laos, Thailand, India, Russia, Africa, ...)")]
    for n, name in NODES:
        add("nodes", node=n, name=name, source_id="mgssi-2026")

    # ----------------------------------------------------------------------------- commodities
    for c, name, stage, src in [
        ("reo_light", "Hard-rock (light) REO concentrate, t REO", "mine", "jogmec"),
        ("reo_ionic", "Ion-adsorption clay / heavy-rich REO concentrate, t REO", "mine", "jogmec"),
        ("hre_conc", "Medium/heavy REE concentrate (SEG/HRE stream from light separation), t", "separation", "jogmec"),
        ("ndpr_oxide", "NdPr oxide, t", "separation", "mgssi-2026"),
        ("dy_oxide", "Dysprosium oxide (Dy2O3), t", "separation", "mgssi-2026"),
        ("tb_oxide", "Terbium oxide (Tb4O7), t", "separation", "mgssi-2026"),
        ("ndpr_metal", "NdPr metal / alloy, t", "metal", "mgssi-2026"),
        ("ndfeb_magnet", "Sintered NdFeB magnets containing Dy/Tb (standard and grain-boundary-diffused grades), t", "magnet", "mgssi-2026"),
        ("ndfeb_dyfree_magnet", "Heavy-free (Dy- and Tb-free) NdFeB magnets, t", "magnet", "mgssi-2026"),
        ("fen_magnet", "Rare-earth-free iron-nitride (FeN) magnets, t", "magnet", "niron-2025"),
    ]:
        add("commodities", commodity=c, name=name, stage=stage, source_id=src)

    # ----------------------------------------------------------------------------- processes
    g_l, h_l, d_h = A["asm_ndpr_grade_light"], A["asm_hre_grade_light"], A["asm_dytb_in_hre"]
    g_i, d_i = A["asm_ndpr_grade_ionic"], A["asm_dytb_grade_ionic"]
    tb_i, tb_h = 650 / 4150, 66 / 306          # Tb share of Dy+Tb: d-dytb-split-ionic, d-dytb-split-hardrock
    PROC = [
        ("mine_light", "reo_light", 1.0, "usgs-mcs-2026"),
        ("mine_ionic", "reo_ionic", 1.0, "usgs-mcs-2026"),
        ("sep_light", "reo_light", -round(1 / g_l, 4), "asm_ndpr_grade_light"),
        ("sep_light", "ndpr_oxide", 1.0, "asm_ndpr_grade_light"),
        ("sep_light", "hre_conc", round(h_l / g_l, 4), "asm_hre_grade_light"),
        ("sep_ionic", "reo_ionic", -round(1 / d_i, 4), "asm_dytb_grade_ionic"),
        ("sep_ionic", "dy_oxide", round(1 - tb_i, 4), "d-dytb-split-ionic"),
        ("sep_ionic", "tb_oxide", round(tb_i, 4), "d-dytb-split-ionic"),
        ("sep_ionic", "ndpr_oxide", round(g_i / d_i, 4), "asm_ndpr_grade_ionic"),
        ("sep_heavy", "hre_conc", -round(1 / d_h, 4), "asm_dytb_in_hre"),
        ("sep_heavy", "dy_oxide", round(1 - tb_h, 4), "d-dytb-split-hardrock"),
        ("sep_heavy", "tb_oxide", round(tb_h, 4), "d-dytb-split-hardrock"),
        ("recycle", "ndpr_oxide", 1.0, "china-industry-2024"),
        ("recycle", "dy_oxide", round(A["asm_recycle_dytb"] * (1 - tb_i), 5), "asm_recycle_dytb"),
        ("recycle", "tb_oxide", round(A["asm_recycle_dytb"] * tb_i, 5), "asm_recycle_dytb"),
        ("new_supply_generic", "ndpr_oxide", 1.0, "asm_cost_new_supply_generic"),
        ("new_supply_generic", "dy_oxide", round(h_l / g_l * d_h * (1 - tb_h), 5), "asm_dytb_in_hre"),
        ("new_supply_generic", "tb_oxide", round(h_l / g_l * d_h * tb_h, 5), "asm_dytb_in_hre"),
        ("metal_ndpr", "ndpr_oxide", -1.18, "d-metal-conversion"),
        ("metal_ndpr", "ndpr_metal", 1.0, "d-metal-conversion"),
        ("magnet_ndfeb", "ndpr_metal", -0.28, "d-magnet-composition"),
        ("magnet_ndfeb", "dy_oxide", -A["asm_grade_std_dy"], "asm_grade_std_dy"),
        ("magnet_ndfeb", "tb_oxide", -A["asm_grade_std_tb"], "asm_grade_std_tb"),
        ("magnet_ndfeb", "ndfeb_magnet", 1.0, "d-magnet-composition"),
        # magnet grades a plant may run instead of its standard recipe (grades.csv)
        ("magnet_ndfeb_gbd", "ndpr_metal", -0.28, "d-magnet-composition"),
        ("magnet_ndfeb_gbd", "dy_oxide", -A["asm_grade_gbd_dy"], "asm_grade_gbd_dy"),
        ("magnet_ndfeb_gbd", "tb_oxide", -A["asm_grade_gbd_tb"], "asm_grade_gbd_tb"),
        ("magnet_ndfeb_gbd", "ndfeb_magnet", 1.0, "d-magnet-composition"),
        # the standard grade with its Tb replaced by Dy in the bulk (Tb ~2x as effective per kg)
        ("magnet_ndfeb_dyonly", "ndpr_metal", -0.28, "d-magnet-composition"),
        ("magnet_ndfeb_dyonly", "dy_oxide", -round(A["asm_grade_std_dy"] + A["asm_grade_tb_dy_equiv"] * A["asm_grade_std_tb"], 6), "asm_grade_tb_dy_equiv"),
        ("magnet_ndfeb_dyonly", "ndfeb_magnet", 1.0, "d-magnet-composition"),
        ("magnet_ndfeb_dyfree", "ndpr_metal", -A["asm_grade_dyfree_ndpr"], "asm_grade_dyfree_ndpr"),
        ("magnet_ndfeb_dyfree", "ndfeb_dyfree_magnet", 1.0, "asm_grade_dyfree_ndpr"),
        ("magnet_fen", "fen_magnet", 1.0, "niron-2025"),
    ]
    for p, c, k, s in PROC:
        if k != 0:  # a zero coefficient (e.g. a GBD magnet with asm_grade_gbd_dy = 0) is no row
            add("processes", process=p, commodity=c, coefficient_t=k, source_id=s)


    # ----------------------------------------------------------------------------- facilities
    def grow(base, rate, y0=2025):
        return {y: round(base * (1 + rate) ** (y - y0), 1) for y in YEARS}


    def path(points: dict[int, float]):
        """Step path: the value of the latest point at or before each year (none before the first)."""
        out = {}
        for y in YEARS:
            past = [k for k in points if k <= y]
            if past:
                out[y] = points[max(past)]
        return out


    FAC = []  # (facility, node, process, owner, status, start, end, capacity{year: t}, cap_src, cost, cost_src)


    def fac(f, node, proc, owner, status, start, caps, cap_src, cost_id, src, end=2035):
        """caps: {year: t} or callable; cap_src: a source id or {year: source id}."""
        FAC.append((f, node, proc, owner, status, start, end, caps, cap_src, cost_id, src))


    quota = A["asm_cn_quota_growth"]
    cn_light = 270000 - A["asm_cn_ionic_quota"]
    fac("cn_mine_light", "CN", "mine_light", "Chinese state groups (Northern Rare Earth, China Rare Earth Group)", "operating", 2025,
        grow(cn_light, quota), {2025: "d-cn-light-quota", "later": "asm_cn_quota_growth"}, "asm_cost_mine_cn_light", "miit-quota")
    fac("cn_mine_ionic", "CN", "mine_ionic", "China Rare Earth Group", "operating", 2025,
        {y: A["asm_cn_ionic_quota"] for y in YEARS}, "asm_cn_ionic_quota", "asm_cost_mine_cn_ionic", "miit-quota")
    fac("us_mp_mountain_pass_mine", "US", "mine_light", "MP Materials", "operating", 2025,
        {y: 50692 for y in YEARS}, {2025: "mp-materials", "later": "asm_hold_flat"}, "asm_cost_mine_exchina", "mp-materials")
    fac("au_lynas_mt_weld_kalgoorlie", "AU", "mine_light", "Lynas Rare Earths", "operating", 2025,
        path({2025: 29000}), {2025: "usgs-mcs-2026", "later": "asm_hold_flat"}, "asm_cost_mine_exchina", "lynas-reports")
    fac("br_serra_verde", "BR", "mine_ionic", "Serra Verde", "operating", 2025,
        {y: 2000 for y in YEARS}, {2025: "usgs-mcs-2026", "later": "asm_serra_verde_growth"}, "asm_cost_mine_new", "usgs-mcs-2026")
    fac("row_mine_light", "ROW", "mine_light", "various (Thailand, India, Russia, Nigeria, ...)", "operating", 2025,
        {y: 12610 for y in YEARS}, {2025: "d-row-mine", "later": "asm_hold_flat"}, "asm_cost_mine_row", "usgs-mcs-2026")
    fac("row_mine_ionic", "ROW", "mine_ionic", "various (Myanmar Kachin clays, Madagascar)", "operating", 2025,
        {y: 24700 for y in YEARS}, {2025: "d-row-mine", "later": "asm_hold_flat"}, "asm_cost_mine_row", "usgs-mcs-2026")
    # separation
    g = A["asm_cn_capacity_growth"]
    fac("cn_sep_light", "CN", "sep_light", "Chinese state groups", "operating", 2025,
        grow(A["asm_cap_cn_sep_light"], g), "asm_cap_cn_sep_light", "asm_cost_sep_cn", "jogmec")
    fac("cn_sep_ionic", "CN", "sep_ionic", "China Rare Earth Group", "operating", 2025,
        grow(A["asm_cap_cn_sep_ionic"], g), "asm_cap_cn_sep_ionic", "asm_cost_sep_ionic_cn", "jogmec")
    fac("cn_sep_heavy", "CN", "sep_heavy", "Chinese state groups", "operating", 2025,
        grow(A["asm_cap_cn_sep_heavy"], g), "asm_cap_cn_sep_heavy", "asm_cost_sep_heavy", "jogmec")
    fac("us_mp_mountain_pass_sep", "US", "sep_light", "MP Materials", "operating", 2025,
        path({2025: 2650, 2026: 4000}),
        {2025: "d-mp-ndpr-2025", 2026: "d-mp-ndpr-2025", "later": "asm_hold_flat"}, "asm_cost_sep_exchina", "mp-materials")
    fac("my_lynas_malaysia_sep", "MY", "sep_light", "Lynas Rare Earths", "operating", 2025,
        path({2025: 6559}), {2025: "d-lynas-ndpr", "later": "asm_hold_flat"}, "asm_cost_sep_exchina", "lynas-reports")
    fac("my_lynas_malaysia_heavy", "MY", "sep_heavy", "Lynas Rare Earths", "operating", 2025,
        path({2025: 35, 2026: 120, 2027: 750}), "d-lynas-heavy", "asm_cost_sep_heavy", "lynas-reports")
    fac("us_ef_white_mesa_p1", "US", "sep_light", "Energy Fuels", "operating", 2025,
        path({2025: A["asm_ef_p1_2025"], 2026: 925}), {2025: "asm_ef_p1_2025", "later": "energy-fuels"}, "asm_cost_sep_new", "energy-fuels")
    fac("eu_neo_silmet", "EU", "sep_light", "Neo Performance Materials", "operating", 2025,
        {y: 660 for y in YEARS}, "d-silmet", "asm_cost_sep_exchina", "neo-performance")
    fac("eu_solvay_la_rochelle", "EU", "sep_light", "Solvay", "operating", 2025,
        {y: 500 for y in YEARS}, "d-solvay", "asm_cost_sep_new", "solvay-2025")
    # recycling / secondary supply and generic new supply
    rg = A["asm_recycle_growth"]
    fac("cn_recycle_swarf", "CN", "recycle", "Chinese recyclers", "operating", 2025,
        grow(A["asm_cap_cn_recycle_swarf"], rg), "asm_cap_cn_recycle_swarf", "asm_cost_recycle_swarf", "china-industry-2024")
    fac("cn_recycle_eol", "CN", "recycle", "Chinese recyclers and off-quota secondary supply (rising cost)", "operating", 2025,
        grow(A["asm_cap_cn_recycle_eol"], rg), "asm_cap_cn_recycle_eol", "asm_cost_recycle_eol_low", "china-industry-2024")
    # metal
    fac("cn_metal", "CN", "metal_ndpr", "Chinese metal makers", "operating", 2025,
        grow(A["asm_cap_cn_metal"], g), "asm_cap_cn_metal", "asm_cost_metal_cn", "jogmec")
    fac("vn_metal", "VN", "metal_ndpr", "Vietnamese and Japanese-owned metal makers", "operating", 2025,
        grow(A["asm_cap_vn_metal"], A["asm_incumbent_growth"]), {2025: "asm_cap_vn_metal", "later": "asm_incumbent_growth"}, "asm_cost_metal_cn", "jogmec")
    fac("jp_metal", "JP", "metal_ndpr", "Japanese alloy makers", "operating", 2025,
        grow(A["asm_cap_jp_metal"], A["asm_incumbent_growth"]), {2025: "asm_cap_jp_metal", "later": "asm_incumbent_growth"}, "asm_cost_metal_cn", "jogmec")
    fac("kr_metal", "KR", "metal_ndpr", "Korean alloy makers", "operating", 2025,
        grow(A["asm_cap_kr_metal"], A["asm_incumbent_growth"]), {2025: "asm_cap_kr_metal", "later": "asm_incumbent_growth"}, "asm_cost_metal_cn", "mgssi-2026")
    fac("us_mp_metal", "US", "metal_ndpr", "MP Materials", "operating", 2025,
        path({2025: 100, 2026: 300}), "d-mp-metal", "asm_cost_metal_new", "mp-materials")
    # magnets
    fac("cn_magnet_std", "CN", "magnet_ndfeb", "Chinese magnet makers (JL Mag, Ningbo Yunsheng, Zhong Ke San Huan, ...)", "operating", 2025,
        grow(A["asm_cap_cn_magnet_std"], g), "asm_cap_cn_magnet_std", "asm_cost_magnet", "jogmec")
    fac("cn_magnet_lowhre", "CN", "magnet_ndfeb", "Chinese magnet makers (plants able to make heavy-free grades)", "operating", 2025,
        grow(A["asm_cap_cn_magnet_lowhre"], g), "asm_cap_cn_magnet_lowhre", "asm_cost_magnet", "jogmec")
    fac("jp_magnet_std", "JP", "magnet_ndfeb", "Shin-Etsu, TDK, Proterial", "operating", 2025,
        grow(A["asm_cap_jp_magnet_std"], A["asm_incumbent_growth"]), {2025: "asm_cap_jp_magnet_std", "later": "asm_incumbent_growth"}, "asm_cost_magnet", "jogmec")
    fac("jp_magnet_lowhre", "JP", "magnet_ndfeb", "Daido Steel, Proterial, Aichi Steel", "operating", 2025,
        grow(A["asm_cap_jp_magnet_lowhre"], A["asm_incumbent_growth"]), {2025: "asm_cap_jp_magnet_lowhre", "later": "asm_incumbent_growth"}, "asm_cost_magnet", "mgssi-2026")
    fac("kr_magnet", "KR", "magnet_ndfeb", "Star Group and others", "operating", 2025,
        grow(A["asm_cap_kr_magnet"], A["asm_incumbent_growth"]), {2025: "asm_cap_kr_magnet", "later": "asm_incumbent_growth"}, "asm_cost_magnet", "reuters-2025")
    fac("vn_magnet", "VN", "magnet_ndfeb", "foreign-owned magnet plants", "operating", 2025,
        grow(A["asm_cap_vn_magnet"], A["asm_incumbent_growth"]), {2025: "asm_cap_vn_magnet", "later": "asm_incumbent_growth"}, "asm_cost_magnet", "reuters-2025")
    fac("eu_vac_magnet", "EU", "magnet_ndfeb", "VAC (Vacuumschmelze)", "operating", 2025,
        grow(A["asm_cap_eu_vac"], A["asm_incumbent_growth"]), {2025: "asm_cap_eu_vac", "later": "asm_incumbent_growth"}, "asm_cost_magnet", "mgssi-2026")
    fac("eu_neo_narva", "EU", "magnet_ndfeb", "Neo Performance Materials", "operating", 2025,
        path({2025: 700, 2026: 2000}), "neo-performance", "asm_cost_magnet", "neo-performance")
    fac("us_mp_independence", "US", "magnet_ndfeb", "MP Materials", "operating", 2025,
        path({2025: A["asm_mp_indep_2025"], 2026: 1000}), {2025: "asm_mp_indep_2025", "later": "d-mp-magnets"},
        "asm_cost_magnet_new", "mp-materials")

    # ----------------------------------------------------------------------------- projects (build options)
    # (project, node, process, owner, status, max t/yr, size source, earliest online, lead years, ramp,
    #  capex id, cash cost id, timing source)
    ramp1 = f"{A['asm_first_year_ramp']:g} 1"
    PROJ = [
        ("au_lynas_mt_weld_exp", "AU", "mine_light", "Lynas Rare Earths", "committed", 18700, "d-expansions", 2026, 1, ramp1, "asm_capex_mine", "asm_cost_mine_exchina", "lynas-reports"),
        ("au_iluka_eneabba_feed", "AU", "mine_light", "Iluka Resources", "committed", 15250, "d-eneabba", 2027, 2, ramp1, "asm_capex_mine", "asm_cost_mine_new_cash", "iluka-eneabba"),
        ("us_usar_round_top", "US", "mine_ionic", "USA Rare Earth", "announced", A["asm_cap_roundtop"], "asm_cap_roundtop", 2028, 3, ramp1, "asm_capex_mine", "asm_cost_mine_new_cash", "usar-2026"),
        ("br_serra_verde_exp", "BR", "mine_ionic", "Serra Verde", "announced", A["asm_serra_verde_growth"] + 2000, "asm_serra_verde_growth", 2027, 2, ramp1, "asm_capex_mine", "asm_cost_mine_new_cash", "usgs-mcs-2026"),
        ("my_lynas_malaysia_sep_exp", "MY", "sep_light", "Lynas Rare Earths", "committed", 3941, "d-expansions", 2026, 1, ramp1, "asm_capex_sep_light", "asm_cost_sep_exchina", "lynas-reports"),
        ("us_mp_mountain_pass_sep_exp", "US", "sep_light", "MP Materials", "committed", A["asm_mp_ndpr_expansion"] - 4000, "d-expansions", 2027, 1, ramp1, "asm_capex_sep_light", "asm_cost_sep_exchina", "mp-materials"),
        ("au_iluka_eneabba_refinery", "AU", "sep_light", "Iluka Resources", "committed", 3355, "d-eneabba", 2027, 2, ramp1, "asm_capex_sep_light", "asm_cost_sep_new_cash", "iluka-eneabba"),
        ("us_ef_white_mesa_p2", "US", "sep_light", "Energy Fuels", "announced", 6000, "energy-fuels", 2029, 3, ramp1, "asm_capex_sep_light", "asm_cost_sep_new_cash", "energy-fuels"),
        ("eu_solvay_la_rochelle_exp", "EU", "sep_light", "Solvay", "announced", 4000, "d-expansions", 2026, 1, "0.2 0.4 0.6 0.8 1", "asm_capex_sep_light", "asm_cost_sep_new_cash", "solvay-2025"),
        ("sa_mp_maaden_refinery", "SA", "sep_light", "MP Materials / Maaden JV", "announced", A["asm_cap_maaden"], "asm_cap_maaden", 2030, 4, ramp1, "asm_capex_sep_light", "asm_cost_sep_new_cash", "mp-maaden-2025"),
        ("row_unnamed_integrated", "ROW", "new_supply_generic", "unnamed greenfield projects (class)", "speculative", A["asm_cap_unnamed"], "asm_cap_unnamed", 2027, A["asm_lead_unnamed"], ramp1, "asm_capex_integrated", "asm_cost_unnamed_cash", "asm_lead_unnamed"),
        ("us_mp_mountain_pass_heavy", "US", "sep_heavy", "MP Materials", "committed", 200, "mp-materials", 2026, 1, ramp1, "asm_capex_sep_heavy", "asm_cost_sep_heavy_new_cash", "mp-dod-2025"),
        ("us_lynas_seadrift", "US", "sep_heavy", "Lynas Rare Earths", "speculative", A["asm_cap_seadrift"], "asm_cap_seadrift", 2028, 3, ramp1, "asm_capex_sep_heavy", "asm_cost_sep_heavy_new_cash", "lynas-dod-2026"),
        ("us_ef_white_mesa_heavy", "US", "sep_heavy", "Energy Fuels", "announced", 306, "d-ef-heavy", 2029, 3, ramp1, "asm_capex_sep_heavy", "asm_cost_sep_heavy_new_cash", "energy-fuels"),
        ("sa_mp_maaden_heavy", "SA", "sep_heavy", "MP Materials / Maaden JV", "announced", A["asm_cap_maaden_heavy"], "asm_cap_maaden_heavy", 2030, 4, ramp1, "asm_capex_sep_heavy", "asm_cost_sep_heavy_new_cash", "mp-maaden-2025"),
        ("us_mp_metal_exp", "US", "metal_ndpr", "MP Materials", "committed", 2500, "d-expansions", 2027, 1, ramp1, "asm_capex_metal", "asm_cost_metal_new_cash", "mp-materials"),
        ("us_usar_metal", "US", "metal_ndpr", "USA Rare Earth", "announced", A["asm_cap_usar_metal"], "asm_cap_usar_metal", 2026, 1, ramp1, "asm_capex_metal", "asm_cost_metal_new_cash", "usar-2026"),
        ("us_mp_10x", "US", "magnet_ndfeb", "MP Materials", "committed", 7000, "d-mp-magnets", 2028, 2, ramp1, "asm_capex_magnet", "asm_cost_magnet_new_cash", "mp-dod-2025"),
        ("us_mp_independence_exp", "US", "magnet_ndfeb", "MP Materials", "announced", 2000, "d-expansions", 2027, 1, ramp1, "asm_capex_magnet", "asm_cost_magnet_new_cash", "mp-materials"),
        ("us_usar_stillwater", "US", "magnet_ndfeb", "USA Rare Earth", "committed", A["asm_usar_stillwater_path"], "asm_usar_stillwater_path", 2026, 1, ramp1, "asm_capex_magnet", "asm_cost_magnet_new_cash", "usar-2026"),
        ("eu_neo_narva_p2", "EU", "magnet_ndfeb", "Neo Performance Materials", "announced", 3000, "d-expansions", 2027, 2, ramp1, "asm_capex_magnet", "asm_cost_magnet_new_cash", "neo-performance"),
        ("us_niron_sartell", "US", "magnet_fen", "Niron Magnetics", "committed", 1500, "niron-2025", 2027, 1, ramp1, "asm_capex_fen", "asm_cost_fen_cash", "niron-2025"),
        ("us_niron_expansion", "US", "magnet_fen", "Niron Magnetics", "announced", 8500, "d-niron", 2029, 2, ramp1, "asm_capex_fen", "asm_cost_fen_cash", "niron-2025"),
    ]
    for (j, node, proc, owner, status, cap, cap_src, earliest, lead, ramp, capex_id, cost_id, src) in PROJ:
        add("projects", project=j, node=node, process=proc, owner=owner, status=status, max_capacity_t=float(cap),
            capacity_source_id=cap_src, earliest_year=earliest, lead_time_years=int(lead), ramp=ramp,
            capex_usd_per_t_yr=float(A[capex_id]), fixed_om_usd_per_t_yr=round(A["asm_fom_share"] * A[capex_id], 1),
            capex_source_id=capex_id, cost_usd_per_kg=float(A[cost_id]), cost_source_id=cost_id,
            lifetime_years=int(A["asm_project_lifetime"]), cost_of_capital_merchant=A["asm_hurdle_merchant"],
            cost_of_capital_contracted=A["asm_hurdle_contracted"], finance_source_id="d-project-finance", source_id=src)

    HEAVY_FREE = {"cn_magnet_lowhre", "jp_magnet_lowhre"}   # plants that can make heavy-free grades (mgssi-2026)
    RISING = {"cn_recycle_eol": "asm_cost_recycle_eol_high"}  # facility -> cost of its last tonne
    INCUMBENT = {"jp_magnet_std", "jp_magnet_lowhre", "kr_magnet", "vn_magnet", "eu_vac_magnet", "eu_neo_narva"}
    for (f, node, proc, owner, status, start, end, caps, cap_src, cost_id, src) in FAC:
        add("facilities", facility=f, node=node, process=proc, owner=owner, status=status, start_year=start,
            end_year=end, source_id=src)
        for y in YEARS:
            if y < start or y > end or y not in caps:
                continue
            if isinstance(cap_src, dict):
                s = cap_src.get(y, cap_src.get("later"))
            else:
                s = cap_src
            add("capacity", facility=f, year=y, capacity_t=round(caps[y], 1), source_id=s)
            cost, csrc = A[cost_id], cost_id
            if f in INCUMBENT:
                cost -= A["asm_cost_magnet_incumbent_credit"]
                csrc = "asm_cost_magnet_incumbent_credit"
            slope = ""
            if f in RISING:  # linear from the low to the high cost across the year's capacity
                slope = round((A[RISING[f]] - cost) / caps[y], 8)
            add("costs", facility=f, year=y, cost_usd_per_kg=round(cost, 3), slope_usd_per_kg_per_t=slope, source_id=csrc)

    # ----------------------------------------------------------------------------- magnet grades
    # Every sintered-magnet plant (facility or project running magnet_ndfeb, the standard grade) may run
    # grain-boundary diffusion; the plants of HEAVY_FREE may also make the heavy-free grade.
    magnet_plants = [r[0] for r in FAC if r[2] == "magnet_ndfeb"] + [r[0] for r in PROJ if r[2] == "magnet_ndfeb"]
    for f in magnet_plants:
        add("grades", facility=f, process="magnet_ndfeb_gbd",
            cost_premium_usd_per_kg=A["asm_cost_magnet_gbd_premium"], source_id="asm_cost_magnet_gbd_premium",
            max_share=A["asm_grade_gbd_max_share"], max_share_source_id="asm_grade_gbd_max_share")
        add("grades", facility=f, process="magnet_ndfeb_dyonly",
            cost_premium_usd_per_kg=A["asm_cost_magnet_dyonly_premium"], source_id="asm_cost_magnet_dyonly_premium",
            max_share=A["asm_grade_dyonly_max_share"], max_share_source_id="asm_grade_dyonly_max_share")
        if f in HEAVY_FREE:
            add("grades", facility=f, process="magnet_ndfeb_dyfree",
                cost_premium_usd_per_kg=A["asm_cost_magnet_dyfree_premium"], source_id="asm_cost_magnet_dyfree_premium",
                max_share=A["asm_grade_dyfree_max_share"], max_share_source_id="asm_grade_dyfree_max_share")

    # ----------------------------------------------------------------------------- demand
    SEG = {s: A[f"asm_segment_{s}"] for s in ("ev", "wind", "industrial", "electronics", "defence")}
    SEG = {s: v / sum(SEG.values()) for s, v in SEG.items()}  # shares of a node's total: normalised to 1
    NODE_DEMAND = {"US": 11900 + 175}
    for n in ("CN", "JP", "KR", "EU", "VN", "MY", "AU", "BR", "SA", "ROW"):
        NODE_DEMAND[n] = A[f"asm_node_demand_{n}"]
    growth = A["asm_demand_growth"]
    for n, total in NODE_DEMAND.items():
        for s, share in SEG.items():
            if n == "US":
                q0 = 175.0 if s == "defence" else (total - 175.0) * share / (1 - SEG["defence"])
                src = "d-us-defence" if s == "defence" else "d-us-magnet-imports"
            else:
                q0 = total * share
                src = f"asm_node_demand_{n}"
            for y in YEARS:
                q = q0 * (1 + growth) ** (y - 2025)
                defence = s == "defence"
                add("demand", node=n, segment=s, commodity="ndfeb_magnet", year=y, quantity_t=round(q, 1),
                    price_usd_per_kg=50.0, elasticity=0.0 if defence else A[f"asm_demand_elasticity_{s}"],
                    voll_usd_per_kg=A["asm_voll_defence"] if defence else A["asm_voll"],
                    source_id=src if y == 2025 else "asm_demand_growth")

    # ----------------------------------------------------------------------------- substitution
    for s, key in [("industrial", "asm_fen_share_industrial"), ("electronics", "asm_fen_share_electronics"),
                   ("ev", "asm_fen_share_ev"), ("wind", "asm_fen_share_wind")]:
        add("substitution", segment=s, commodity="ndfeb_magnet", substitute="fen_magnet", max_share=A[key],
            ratio_t_per_t=A["asm_fen_ratio"], source_id=key)
    for s in ("ev", "wind", "industrial", "electronics"):   # defence takes no heavy-free grade
        key = f"asm_dyfree_accept_{s}"
        add("substitution", segment=s, commodity="ndfeb_magnet", substitute="ndfeb_dyfree_magnet",
            max_share=A[key], ratio_t_per_t=1.0, source_id=key)

    # ----------------------------------------------------------------------------- routes
    DIST = {  # km, approximate port-to-port (sea-distances); symmetric
        ("CN", "US"): 10500, ("CN", "AU"): 6600, ("CN", "JP"): 1900, ("CN", "MY"): 3700, ("CN", "VN"): 2400,
        ("CN", "SA"): 11500, ("CN", "BR"): 20000, ("CN", "EU"): 19500, ("CN", "KR"): 900, ("CN", "ROW"): 1500,
        ("US", "AU"): 15000, ("US", "JP"): 9000, ("US", "MY"): 14000, ("US", "VN"): 12500, ("US", "SA"): 18000,
        ("US", "BR"): 9500, ("US", "EU"): 8000, ("US", "KR"): 9600, ("US", "ROW"): 14000,
        ("AU", "JP"): 7800, ("AU", "MY"): 4800, ("AU", "VN"): 6000, ("AU", "SA"): 9000, ("AU", "EU"): 17000,
        ("AU", "KR"): 7500, ("JP", "MY"): 5000, ("JP", "VN"): 3900, ("JP", "KR"): 1100, ("JP", "EU"): 21000,
        ("JP", "SA"): 12000, ("JP", "ROW"): 5000, ("MY", "VN"): 2000, ("MY", "EU"): 15500, ("MY", "KR"): 4800,
        ("MY", "SA"): 7500, ("VN", "EU"): 17500, ("VN", "KR"): 3600, ("VN", "SA"): 9000, ("SA", "EU"): 6500,
        ("SA", "KR"): 11500, ("BR", "EU"): 10000, ("BR", "SA"): 12000, ("EU", "KR"): 20000, ("EU", "ROW"): 12000,
        ("KR", "ROW"): 4000, ("VN", "ROW"): 2500, ("BR", "ROW"): 12000, ("BR", "JP"): 20000, ("BR", "KR"): 20000, ("BR", "MY"): 15500, ("BR", "VN"): 17000, ("AU", "ROW"): 5000, ("SA", "ROW"): 7000, ("MY", "ROW"): 2000, ("ROW", "SA"): 7000, ("ROW", "MY"): 2000, ("US", "CN"): 10500,
    }


    def dist(a, b):
        return DIST.get((a, b)) or DIST[(b, a)]


    ALL = [n for n, _ in NODES]
    ROUTE_PLAN = {
        # concentrate: from mining nodes to separating nodes
        "reo_light": [("US", "CN"), ("AU", "CN"), ("AU", "MY"), ("ROW", "CN"), ("ROW", "EU"), ("AU", "EU"),
                      ("AU", "US"), ("AU", "SA"), ("ROW", "SA"), ("US", "SA"), ("ROW", "MY")],
        "reo_ionic": [("ROW", "CN"), ("BR", "CN"), ("BR", "EU"), ("US", "CN"), ("BR", "SA"), ("ROW", "MY")],
        "hre_conc": [("US", "CN"), ("AU", "MY"), ("MY", "US"), ("AU", "US"), ("EU", "CN"), ("SA", "US"),
                     ("US", "SA"), ("MY", "CN"), ("AU", "CN")],
        # refined products: between producers and users
        "ndpr_oxide": [(o, d) for o in ("CN", "MY", "US", "AU", "EU", "SA", "ROW") for d in ("CN", "JP", "VN", "KR", "US", "EU")
                       if o != d],
        "dy_oxide": [(o, d) for o in ("CN", "MY", "US", "SA", "ROW") for d in ("CN", "JP", "VN", "KR", "US", "EU")
                     if o != d],
        "tb_oxide": [(o, d) for o in ("CN", "MY", "US", "SA", "ROW") for d in ("CN", "JP", "VN", "KR", "US", "EU")
                     if o != d],
        "ndpr_metal": [(o, d) for o in ("CN", "VN", "JP", "US", "KR") for d in ("CN", "JP", "VN", "KR", "US", "EU")
                       if o != d],
        "ndfeb_magnet": [(o, d) for o in ("CN", "JP", "KR", "VN", "EU", "US") for d in ALL if o != d],
        "ndfeb_dyfree_magnet": [(o, d) for o in ("CN", "JP") for d in ALL if o != d],
        "fen_magnet": [("US", d) for d in ALL if d != "US"],
    }
    for c, pairs in ROUTE_PLAN.items():
        bulk = c in ("reo_light", "reo_ionic", "hre_conc")
        h = A["asm_freight_handling_bulk"] if bulk else A["asm_freight_handling_refined"]
        for o, d in pairs:
            fr = h + A["asm_freight_per_1000km"] * dist(o, d) / 1000
            add("routes", origin=o, destination=d, commodity=c, freight_usd_per_kg=round(fr, 4), source_id="d-freight")

    # ----------------------------------------------------------------------------- trade reference
    us_china, us_other = 10000.0, 1900.0
    jp = A["asm_us_import_share_jp"]
    for o, q in [("CN", us_china), ("JP", jp * us_other), ("KR", (1 - jp) * us_other / 3),
                 ("VN", (1 - jp) * us_other / 3), ("EU", (1 - jp) * us_other / 3)]:
        add("trade_reference", origin=o, destination="US", commodity="ndfeb_magnet", year=2025,
            quantity_t=round(q, 1), tariff_in_force_pct=2.1, source_id="d-trade-reference")

    # ----------------------------------------------------------------------------- observed
    # months: the part of the year a figure covers (1-12 the whole year; docs/model.md § Periods)
    for m, y, months, v, lo, hi, unit, src in [
        ("china_share_mine_output", 2025, "1-12", 0.69, 0.60, 0.78, "share", "usgs-mcs-2026"),
        ("china_share_separation", 2025, "1-12", 0.875, 0.80, 0.95, "share", "jogmec"),
        ("china_share_magnet_output", 2025, "1-12", 0.90, 0.85, 0.95, "share", "jogmec"),
        ("china_ndpr_price", 2025, "1-12", 67.5, 55.0, 85.0, "usd_per_kg", "d-ndpr-price-2025"),
        ("exchina_ndpr_price", 2025, "1-12", 74.0, 60.0, 92.0, "usd_per_kg", "d-exchina-ndpr-2025"),
        ("china_dy_price", 2025, "1-12", 225.0, 165.0, 290.0, "usd_per_kg", "d-dy-price-2025"),
        ("china_tb_price", 2025, "1-12", 800.0, 650.0, 1050.0, "usd_per_kg", "d-tb-price-2025"),
        ("exchina_dy_price", 2025, "5-12", 850.0, 450.0, 1000.0, "usd_per_kg", "d-dy-exchina-2025"),
        ("exchina_tb_price", 2025, "5-12", 3000.0, 1600.0, 4000.0, "usd_per_kg", "d-tb-exchina-2025"),
        ("china_magnet_price", 2025, "1-12", 55.0, 45.0, 62.0, "usd_per_kg", "d-magnet-price-2025"),
        ("exchina_magnet_premium", 2025, "5-12", 20.0, 10.0, 30.0, "usd_per_kg", "neo-performance"),
        ("china_share_us_magnet_imports", 2025, "1-4", 0.84, 0.70, 0.95, "share", "usitc-dataweb"),
        ("us_magnet_imports_from_china", 2025, "1-12", 7400, 5500, 9000, "t", "d-us-magnet-imports-2025"),
        ("us_magnet_imports_from_china", 2025, "1-4", 3333, 2800, 3900, "t", "d-us-magnet-imports-2025"),
        ("us_magnet_imports_from_china", 2025, "5-6", 413, 250, 700, "t", "d-us-magnet-imports-2025"),
        ("us_magnet_imports_from_china", 2025, "1-6", 3746, 3050, 4600, "t", "d-us-magnet-imports-2025"),
        ("us_magnet_imports_from_china", 2025, "7-12", 3654, 2400, 4100, "t", "d-us-magnet-imports-2025"),
        ("us_magnet_shortfall", 2025, "1-12", 1500, 100, 3500, "t", "d-us-shortfall-2025"),
        ("us_magnet_shortage", 2025, "1-4", 0, 0, 50, "t", "d-us-shortfall-2025"),
        ("us_magnet_shortfall", 2025, "5-12", 1500, 100, 3500, "t", "d-us-shortfall-2025"),
        ("us_concentrate_to_china", 2025, "1-12", 9700, 6000, 12700, "t", "d-mp-china-2025"),
        ("us_concentrate_to_china", 2025, "5-12", 0, 0, 100, "t", "d-mp-china-2025"),
        ("mp_ndpr_output", 2025, "1-12", 2599, 2000, 3200, "t", "mp-materials"),
        ("us_mine_output", 2025, "1-12", 51000, 45000, 56000, "t", "usgs-mcs-2026"),
        ("china_ndpr_price", 2026, "1-6", 90.0, 74.0, 110.0, "usd_per_kg", "d-ndpr-price-early-2026"),
        ("us_concentrate_to_china", 2026, "1-12", 0, 0, 100, "t", "d-mp-china-2025"),
    ]:
        add("observed", metric=m, year=y, months=months, value=v, low=lo, high=hi, unit=unit, source_id=src)

    # ----------------------------------------------------------------------------- private storage
    # Room = days/365 of the node's 2025 NdFeB demand (x the standard grade's Dy or Tb content for
    # oxides); holding cost = (physical share + financing premium) x the 2025 reference price
    # (magnets: demand.csv; Dy, Tb: China's 2025 price, observed.csv)
    magnet_2025 = {}
    for r in ROWS["demand"]:
        if r["commodity"] == "ndfeb_magnet" and r["year"] == 2025:
            magnet_2025[r["node"]] = magnet_2025.get(r["node"], 0.0) + r["quantity_t"]
    carry = A["asm_private_holding_share"] + A["asm_private_finance_premium"]
    for node, commodity, content, price in (
            [(n, "ndfeb_magnet", 1.0, 50.0) for n in ("US", "EU", "JP", "KR")]
            + [(n, "dy_oxide", A["asm_grade_std_dy"], 225.0) for n in ("US", "EU", "JP")]
            + [(n, "tb_oxide", A["asm_grade_std_tb"], 800.0) for n in ("US", "EU", "JP")]):
        room = round(A["asm_private_stock_days"] / 365.0 * magnet_2025[node] * content, 1)
        add("storage", node=node, commodity=commodity, origin="touched", capacity_t=room,
            initial_t=round(room * A["asm_private_stock_opening"], 1),
            holding_cost_usd_per_kg_yr=round(carry * price, 2), capacity_source_id="asm_private_stock_days",
            initial_source_id="asm_private_stock_opening", holding_source_id="asm_private_holding_share")
    # Mountain Pass concentrate (clean: no Chinese stage), empty at the start of 2025
    add("storage", node="US", commodity="reo_light", origin="clean",
        capacity_t=round(A["asm_private_conc_room_years"] * 50692, 1), initial_t=0.0,
        holding_cost_usd_per_kg_yr=round(carry * A["asm_cost_mine_exchina"], 2),
        capacity_source_id="asm_private_conc_room_years", initial_source_id="asm_private_conc_room_years",
        holding_source_id="asm_private_holding_share")

    ROWS["sources"] = [dict(zip(COLUMNS["sources"], s)) for s in SOURCES]
    ROWS["assumptions"] = [dict(assumption_id=k, description=v[0], unit=v[1], central=v[2], low=v[3], high=v[4],
                                note=v[5]) for k, v in ASM.items()]
    return ROWS

# ----------------------------------------------------------------------------- write
COLUMNS = {
    "sources": ["source_id", "citation", "url", "note"],
    "assumptions": ["assumption_id", "description", "unit", "central", "low", "high", "note"],
    "nodes": ["node", "name", "source_id"],
    "commodities": ["commodity", "name", "stage", "source_id"],
    "processes": ["process", "commodity", "coefficient_t", "source_id"],
    "facilities": ["facility", "node", "process", "owner", "status", "start_year", "end_year", "source_id"],
    "capacity": ["facility", "year", "capacity_t", "source_id"],
    "costs": ["facility", "year", "cost_usd_per_kg", "slope_usd_per_kg_per_t", "source_id"],
    "demand": ["node", "segment", "commodity", "year", "quantity_t", "price_usd_per_kg", "elasticity",
               "voll_usd_per_kg", "source_id"],
    "routes": ["origin", "destination", "commodity", "freight_usd_per_kg", "source_id"],
    "substitution": ["segment", "commodity", "substitute", "max_share", "ratio_t_per_t", "source_id"],
    "observed": ["metric", "year", "months", "value", "low", "high", "unit", "source_id"],
    "grades": ["facility", "process", "cost_premium_usd_per_kg", "source_id", "max_share", "max_share_source_id"],
    "trade_reference": ["origin", "destination", "commodity", "year", "quantity_t", "tariff_in_force_pct", "source_id"],
    "storage": ["node", "commodity", "origin", "capacity_t", "initial_t", "holding_cost_usd_per_kg_yr", "capacity_source_id",
                "initial_source_id", "holding_source_id"],
    "projects": ["project", "node", "process", "owner", "status", "max_capacity_t", "capacity_source_id",
                 "earliest_year", "lead_time_years", "ramp", "capex_usd_per_t_yr", "fixed_om_usd_per_t_yr",
                 "capex_source_id", "cost_usd_per_kg", "cost_source_id", "lifetime_years",
                 "cost_of_capital_merchant", "cost_of_capital_contracted", "finance_source_id", "source_id"],
}


def fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    return v


def write(folder: str | Path = HERE, overrides: dict[str, float] | None = None) -> dict[str, int]:
    """Write every table to ``folder``; returns row counts."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = build(overrides)
    for name, cols in COLUMNS.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            for r in rows[name]:
                w.writerow({k: fmt(r[k]) for k in cols})
    return {k: len(v) for k, v in rows.items()}


if __name__ == "__main__":
    import sys
    print(write(sys.argv[1] if len(sys.argv) > 1 else HERE))
