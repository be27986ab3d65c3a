"""Common Rajasthani given names and surnames in Devanagari and Latin script.

Written out here (no data download); combined at random they give realistic, made-up people.
"""

from __future__ import annotations

MALE: tuple[tuple[str, str], ...] = (
    ("रमेश", "Ramesh"), ("सुरेश", "Suresh"), ("महेंद्र", "Mahendra"), ("राजेंद्र", "Rajendra"),
    ("विक्रम", "Vikram"), ("भंवर", "Bhanwar"), ("गोपाल", "Gopal"), ("हनुमान", "Hanuman"),
    ("मुकेश", "Mukesh"), ("दिनेश", "Dinesh"), ("राकेश", "Rakesh"), ("अशोक", "Ashok"),
    ("जगदीश", "Jagdish"), ("ओमप्रकाश", "Omprakash"), ("श्याम", "Shyam"), ("मोहन", "Mohan"),
    ("कैलाश", "Kailash"), ("प्रकाश", "Prakash"), ("नरेंद्र", "Narendra"), ("सुरेंद्र", "Surendra"),
    ("भरत", "Bharat"), ("देवेंद्र", "Devendra"), ("लक्ष्मण", "Laxman"), ("बाबूलाल", "Babulal"),
    ("मदनलाल", "Madanlal"), ("शंकर", "Shankar"), ("गणपत", "Ganpat"), ("भैरूं", "Bhairu"),
    ("पप्पू", "Pappu"), ("अर्जुन", "Arjun"), ("करण", "Karan"), ("रणजीत", "Ranjeet"),
    ("प्रताप", "Pratap"), ("जितेंद्र", "Jitendra"), ("सुनील", "Sunil"), ("अनिल", "Anil"),
    ("मनोज", "Manoj"), ("संजय", "Sanjay"), ("विजय", "Vijay"), ("अजय", "Ajay"),
    ("राहुल", "Rahul"), ("रोहित", "Rohit"), ("अमित", "Amit"), ("दीपक", "Deepak"),
    ("हरीश", "Harish"), ("कमल", "Kamal"), ("गिरधारी", "Girdhari"), ("चेतन", "Chetan"),
    ("धर्मेंद्र", "Dharmendra"), ("पवन", "Pawan"), ("रामनिवास", "Ramniwas"), ("सांवरमल", "Sanwarmal"),
    ("इमरान", "Imran"), ("सलीम", "Salim"), ("आरिफ", "Arif"), ("गुरमीत", "Gurmeet"),
    ("हरपाल", "Harpal"), ("तेजपाल", "Tejpal"), ("नाथूराम", "Nathuram"), ("खेमराज", "Khemraj"),
)  # fmt: skip

FEMALE: tuple[tuple[str, str], ...] = (
    ("सुनीता", "Sunita"), ("अनीता", "Anita"), ("सरोज", "Saroj"), ("कमला", "Kamla"),
    ("मंजू", "Manju"), ("संतोष", "Santosh"), ("पूजा", "Pooja"), ("प्रियंका", "Priyanka"),
    ("रेखा", "Rekha"), ("सीमा", "Seema"), ("गीता", "Geeta"), ("सुमन", "Suman"),
    ("ममता", "Mamta"), ("कविता", "Kavita"), ("भंवरी", "Bhanwari"), ("गुड्डी", "Guddi"),
    ("लक्ष्मी", "Laxmi"), ("पार्वती", "Parvati"), ("शारदा", "Sharda"), ("मीना", "Meena"),
    ("राधा", "Radha"), ("नीलम", "Neelam"), ("किरण", "Kiran"), ("सरिता", "Sarita"),
    ("ज्योति", "Jyoti"), ("दीपिका", "Deepika"), ("नेहा", "Neha"), ("अंजलि", "Anjali"),
    ("ललिता", "Lalita"), ("विमला", "Vimla"), ("शकुंतला", "Shakuntala"), ("मोहिनी", "Mohini"),
    ("धापू", "Dhapu"), ("इंद्रा", "Indra"), ("सायरा", "Saira"), ("रुखसाना", "Rukhsana"),
    ("हरप्रीत", "Harpreet"), ("जसविंदर", "Jaswinder"), ("उर्मिला", "Urmila"), ("चंदा", "Chanda"),
)  # fmt: skip

SURNAMES: tuple[tuple[str, str], ...] = (
    ("शर्मा", "Sharma"), ("मीणा", "Meena"), ("जाट", "Jat"), ("चौधरी", "Choudhary"),
    ("राठौड़", "Rathore"), ("शेखावत", "Shekhawat"), ("चौहान", "Chauhan"), ("गुर्जर", "Gurjar"),
    ("बिश्नोई", "Bishnoi"), ("सैनी", "Saini"), ("यादव", "Yadav"), ("सिंह", "Singh"),
    ("कुमावत", "Kumawat"), ("जांगिड़", "Jangid"), ("पारीक", "Pareek"), ("जोशी", "Joshi"),
    ("व्यास", "Vyas"), ("पुरोहित", "Purohit"), ("माली", "Mali"), ("प्रजापत", "Prajapat"),
    ("बैरवा", "Bairwa"), ("मेघवाल", "Meghwal"), ("रेगर", "Regar"), ("खटीक", "Khatik"),
    ("गहलोत", "Gehlot"), ("सोलंकी", "Solanki"), ("भाटी", "Bhati"), ("परिहार", "Parihar"),
    ("तंवर", "Tanwar"), ("देवड़ा", "Devda"), ("अग्रवाल", "Agarwal"), ("माहेश्वरी", "Maheshwari"),
    ("जैन", "Jain"), ("खान", "Khan"), ("कुरैशी", "Qureshi"), ("गोदारा", "Godara"),
    ("पूनिया", "Poonia"), ("बेनीवाल", "Beniwal"), ("डूडी", "Dudi"), ("सहारण", "Saharan"),
    ("गुप्ता", "Gupta"), ("वर्मा", "Verma"), ("स्वामी", "Swami"), ("नायक", "Nayak"),
    ("भील", "Bhil"), ("गरासिया", "Garasia"), ("राव", "Rao"), ("धाकड़", "Dhakad"),
)  # fmt: skip

# Roots and endings of village and town names, for circles and police stations that the public
# record does not list by name.
PLACE_ROOTS: tuple[tuple[str, str], ...] = (
    ("राम", "Ram"), ("लक्ष्मण", "Laxman"), ("किशन", "Kishan"), ("सूरज", "Suraj"),
    ("चंद", "Chand"), ("भीम", "Bhim"), ("देव", "Dev"), ("हरि", "Hari"), ("शिव", "Shiv"),
    ("गोविंद", "Govind"), ("माधो", "Madho"), ("जय", "Jai"), ("विजय", "Vijay"), ("फतेह", "Fateh"),
    ("मान", "Man"), ("राज", "Raj"), ("रतन", "Ratan"), ("सांभर", "Sambhar"), ("नवल", "Naval"),
    ("सुजान", "Sujan"), ("केसर", "Kesar"), ("मोती", "Moti"), ("हीरा", "Hira"), ("लाल", "Lal"),
    ("बख्त", "Bakht"), ("उदय", "Uday"), ("अमर", "Amar"), ("प्रताप", "Pratap"), ("गंगा", "Ganga"),
    ("जसवंत", "Jaswant"), ("दौलत", "Daulat"), ("बहादुर", "Bahadur"), ("सरदार", "Sardar"),
    ("नाथ", "Nath"), ("भवानी", "Bhawani"), ("कल्याण", "Kalyan"), ("खेत", "Khet"),
    ("पीपल", "Peepal"), ("नीम", "Neem"), ("बड़", "Bad"), ("खेजड़", "Khejad"), ("रोहि", "Rohi"),
)  # fmt: skip

PLACE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("गढ़", "garh"), ("पुरा", "pura"), ("पुर", "pur"), ("सर", "sar"), ("नगर", "nagar"),
    ("वास", "was"), ("खेड़ा", "kheda"), ("गंज", "ganj"), ("सागर", "sagar"), ("बाड़ी", "badi"),
    ("दासर", "dasar"), ("वाली", "wali"), ("देसर", "desar"), ("ताल", "tal"), ("कोट", "kot"),
)  # fmt: skip
