"""Fictitious robocall scripts for the synthetic report stream (:mod:`graphengine.synthetic.reports`).

Each campaign is a script with two or three variants, written after the shape of the public FTC/FCC
transcripts (imposter, warranty, student loan, parcel...), with slots that change per call:

``{agent}``
    the caller's name, drawn from the campaign's agents;
``{callback}``
    the callback number of the campaign at that time (campaigns with ``callbacks > 0``);
``{amount}``, ``{ref}``, ``{date}``
    a dollar amount, a reference number and a date.

Every name, company and number here is invented. ``language`` is ``en`` or ``zh``; Chinese scripts
have no spaces, as in the real transcripts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Script", "SCRIPTS", "MISHEARD", "ZH_CONFUSIONS", "FILLER_WORDS", "NOISE_SENTENCES"]


@dataclass(frozen=True)
class Script:
    """One campaign's script.

    Attributes
    ----------
    key : str
        Short stable key (the campaign's truth id is built from it).
    label : str
        The label an ITG-style analyst would give it (written into generated tracebacks).
    category : str
        The FTC-style complaint subject a consumer would pick.
    language : str
        ``en`` or ``zh``.
    variants : tuple[str, ...]
        The script variants, with slots.
    agents : tuple[str, ...]
        Names read out in ``{agent}``.
    callbacks : int
        How many callback numbers the campaign rotates through (0: press-1 only).
    """

    key: str
    label: str
    category: str
    language: str
    variants: tuple[str, ...]
    agents: tuple[str, ...] = ("Officer Dana Whitfield",)
    callbacks: int = 0


SCRIPTS: tuple[Script, ...] = (
    Script(
        "ssa_texas",
        "SSA imposter - Texas fraud",
        "Imposters",
        "en",
        (
            "Hello, this call is from the Social Security Administration office. My name is "
            "{agent} and the purpose of this call is to let you know that your Social Security "
            "number has been used for fraudulent activities near the southern border of Texas. "
            "To get more information and to speak with an officer press 1. I repeat press 1. "
            "Thank you and have a great day.",
            "This is {agent} calling from the Social Security Administration. We are trying to "
            "reach you because your Social Security number has been used for fraudulent "
            "activities near the southern border of Texas and will be suspended. To speak with "
            "an officer press 1. I repeat press 1. Thank you and have a great day.",
        ),
        ("Officer Amanda Barrett", "Officer Kevin Marsh", "Agent Laura Pines"),
    ),
    Script(
        "ssa_suspend",
        "SSA imposter - number suspended",
        "Imposters",
        "en",
        (
            "This phone call from our department is to inform you that we have suspended your "
            "social insurance number because we found suspicious activity on it. If you want to "
            "know about this case just press 1 now. Ignoring this call will lead to an arrest "
            "warrant in your name.",
            "We are calling to inform you that your social insurance number has been suspended "
            "because we found suspicious activity. If you want to know about this case just press "
            "1 now. Ignoring this call will lead to an arrest warrant in your name.",
        ),
    ),
    Script(
        "amazon_order",
        "Amazon imposter - authorize order",
        "Imposters",
        "en",
        (
            "We would like to inform you that there is an order placed for an Apple iPhone 15 Pro "
            "for {amount} using your Amazon account. If you do not authorize this order press 1, "
            "or press 2 to authorize this order.",
            "This is a message from Amazon customer service. An order of {amount} for a MacBook "
            "Air was placed using your Amazon account. If you did not authorize this order press "
            "1 to speak with a representative, or press 2 to authorize this order.",
            "Hello, this is Amazon. We noticed a suspicious charge of {amount} on your Amazon "
            "account for an Apple iPhone 15 Pro. If you do not authorize this order press 1, or "
            "press 2 to authorize this order.",
        ),
    ),
    Script(
        "apple_support",
        "Apple imposter - iCloud breach",
        "Imposters",
        "en",
        (
            "This is an automated message from Apple Support. Your iCloud account has been "
            "breached and suspicious activity was detected. Press 1 to connect with an Apple "
            "Support Advisor. Press 2 to listen to this message again. Or if you wish to contact "
            "us later please call us on our toll free number {callback}. Thank you.",
            "Apple Support here. We detected suspicious activity on your iCloud account. Press 1 "
            "to connect with an Apple Support Advisor. Or if you wish to contact us later please "
            "call our toll free number {callback}. Thank you.",
        ),
        callbacks=2,
    ),
    Script(
        "auto_warranty",
        "Auto warranty - final courtesy call",
        "Warranties",
        "en",
        (
            "Hi, this is {agent} calling from the Vehicle Service Department. We are calling about "
            "your vehicle's manufacturer warranty. We sent you several notices in the mail that "
            "you have yet to extend your warranty past the factory cutoff, and this is a courtesy "
            "call to renew your warranty before we close the file. Press 5 now to speak to a "
            "warranty specialist or press 9 to be removed from our list.",
            "Hi, this is {agent}. I am giving you a call from the dealer service center. We "
            "noticed your car's extended warranty would expire and wanted to give you one final "
            "courtesy call before your coverage becomes void. If you wish to extend or reinstate "
            "your car's warranty press 4 now or press 9 to stop receiving these reminders.",
        ),
        ("Susie", "Melanie", "Carla"),
    ),
    Script(
        "student_loan",
        "Student loan - forgiveness center",
        "Student loans",
        "en",
        (
            "Hi, this is {agent} with the Student Support Center. I am following up regarding your "
            "outstanding federal student loan balance. You are eligible for the federal student "
            "loan forgiveness program due to recent changes. It is imperative that we speak as "
            "soon as possible since the payment pause is ending. You can reach us directly at "
            "{callback}. Again that is {callback}. Thank you.",
            "Hi, this is {agent} from the Processing Department. Sorry if you are busy, I have "
            "fantastic news: new rules have changed your federal student loan repayment options. "
            "Please call me back as soon as possible at {callback}. Again that is {callback}. "
            "Have your reference number {ref} ready. Thank you.",
        ),
        ("Melissa", "Jessica Banner", "Tina Howell"),
        callbacks=3,
    ),
    Script(
        "rate_reduction",
        "Credit card - rate reduction",
        "Reducing your debt",
        "en",
        (
            "Congratulations on your excellent payment history. You now qualify for a zero "
            "percent interest rate on all your credit card accounts. This is a limited time offer "
            "and you must respond immediately. Press 1 now to speak to our qualification "
            "department and complete the enrollment process.",
            "Hello, this is {agent} from card member services calling about your rate expiration. "
            "Your eligibility for a zero percent interest rate on your credit card accounts is "
            "about to expire. Press 1 now to speak to our qualification department, or hang up "
            "this call.",
        ),
        ("Sarah", "Rachel"),
    ),
    Script(
        "tax_relief",
        "Tax relief - zero tax program",
        "Reducing your debt",
        "en",
        (
            "Hello, this is {agent}, state agent number FF694, with a notification call from the "
            "Department of Financial Relief Services. This call is to inform citizens with tax "
            "debt about the new zero tax owed debt relief program that is now open for "
            "enrollment. Call us back at {callback} before {date} to see if you qualify.",
            "This is a notification from the Department of Financial Relief Services about the "
            "new zero tax owed debt relief program for citizens with tax debt. Enrollment closes "
            "on {date}. Call {callback} to see if you qualify.",
        ),
        ("Mary Fletcher", "John Ramsey"),
        callbacks=2,
    ),
    Script(
        "utility_disconnect",
        "Utility - 30 minute disconnect",
        "Imposters",
        "en",
        (
            "This is the final notice from your electric company. Your power will be disconnected "
            "within the next 30 minutes because of an unpaid balance of {amount}. To avoid "
            "disconnection call our billing department immediately at {callback}.",
            "Final disconnection notice from your utility company. Due to an unpaid balance of "
            "{amount} your electricity will be disconnected in 30 minutes. Call the billing "
            "department now at {callback} to avoid disconnection.",
        ),
        callbacks=2,
    ),
    Script(
        "medicare_brace",
        "Medicare - free back brace",
        "Medical and prescriptions",
        "en",
        (
            "Hello, this is {agent} calling on behalf of Medicare benefits. Because of your "
            "Medicare eligibility you may qualify for a back or knee brace at little or no cost "
            "to you. Press 1 to speak with a benefits specialist, or press 2 to be removed.",
            "Attention Medicare members. You may qualify for a knee or back brace at little or no "
            "cost under your plan. Press 1 now to speak with a benefits specialist about your "
            "eligibility.",
        ),
        ("Linda", "Grace"),
    ),
    Script(
        "customs_seizure",
        "Customs imposter - seized package",
        "Imposters",
        "en",
        (
            "The reason for this call is to inform you that a package has been seized under your "
            "name by U.S. Customs and Border Protection containing contraband and cash. The moment "
            "you receive this message please press 1 to talk to our investigation officer to "
            "avoid legal consequences.",
            "This is U.S. Customs and Border Protection. A package addressed to your name was "
            "seized with contraband and cash. To avoid legal consequences press 1 to talk to our "
            "investigation officer right away.",
        ),
    ),
    Script(
        "legal_warrant",
        "Legal - federal warrant notice",
        "Imposters",
        "en",
        (
            "The court has issued a suspension notice along with a warrant against your name. "
            "Ignoring this message will be an intentional attempt to avoid appearance before a "
            "magistrate judge for a federal criminal offense. This is the final attempt to reach "
            "you. Press 1 and hold for the next available officer.",
            "Leave your work aside so that we can discuss your case and take necessary action. "
            "To connect with a federal agent press 1 and you will be connected to the concerned "
            "department. If we do not hear from you we will be forced to take legal action "
            "against you.",
        ),
    ),
    Script(
        "bank_fraud",
        "Bank imposter - suspicious transaction",
        "Imposters",
        "en",
        (
            "Hello, this is an automated call from your bank's fraud prevention team. We detected "
            "a suspicious transaction of {amount} on {date}. If you authorized this transaction "
            "you can disregard this message. If you did not, press 1 immediately to connect with "
            "a fraud specialist and protect your account.",
            "This is your bank's fraud department. A suspicious transaction of {amount} was "
            "attempted on your account on {date}. Press 1 to contact the fraud department and "
            "dispute the charge.",
        ),
    ),
    Script(
        "hotel_rewards",
        "Travel - complimentary hotel stay",
        "Travel and vacations",
        "en",
        (
            "Thank you for choosing Grandview Resorts. Thanks to the friends and family rewards "
            "program your membership was drawn to receive a complimentary three night stay. For "
            "further details press 1 now. To be placed on the do not call list press 2 now.",
            "Congratulations, your number was selected for a complimentary stay at Grandview "
            "Resorts through our friends and family rewards program. Press 1 now for details, or "
            "press 2 to be placed on the do not call list.",
        ),
    ),
    Script(
        "tv_discount",
        "Discount - cable bill 50 percent off",
        "Imposters",
        "en",
        (
            "Hi there, I am calling from your cable provider to let you know that your existing "
            "account is qualified for 50 percent off your monthly bill. To avail the discount "
            "kindly call us back at {callback} from 8 a.m. to 5 p.m. Pacific time. Thank you and "
            "have a great day.",
            "Good news from your cable and internet provider: your account qualifies for a 50 "
            "percent discount on your monthly bill. Kindly call us back at {callback} between 8 "
            "a.m. and 5 p.m. Pacific time to claim it.",
        ),
        callbacks=2,
    ),
    Script(
        "cashapp_blocked",
        "Payment app - account blocked",
        "Imposters",
        "en",
        (
            "Your payment app account has been temporarily blocked due to unusual login activity "
            "from another state. A transfer of {amount} is pending. To cancel the transfer and "
            "restore access press 1 to speak with our security team.",
            "Security alert: we blocked your payment app account after an unusual login. A pending "
            "transfer of {amount} will complete today unless you press 1 to speak with our "
            "security team.",
        ),
    ),
    Script(
        "solar_rebate",
        "Energy - solar rebate",
        "Energy and home improvement",
        "en",
        (
            "Hi, this is {agent} with the Home Energy Program. Homeowners in your area now qualify "
            "for free solar panels under the new federal energy rebate, with no installation "
            "cost. Press 1 to see if your home qualifies or press 2 to opt out.",
            "Homeowners in your area qualify for free solar panels with the new federal energy "
            "rebate. This is {agent} with the Home Energy Program. Press 1 to check your "
            "eligibility today.",
        ),
        ("Brenda", "Tom"),
    ),
    Script(
        "computer_virus",
        "Tech support - computer hijack",
        "Tech support scams",
        "en",
        (
            "This is a warning from the Windows security department. Your computer has been "
            "hijacked and your personal information and bank details are at risk. Do not use your "
            "computer. Call our certified technician now at {callback} to secure your device.",
            "Warning: our servers detected that your computer was hijacked by hackers and your "
            "bank details are at risk. Please call a certified technician immediately at "
            "{callback} before using your computer again.",
        ),
        callbacks=2,
    ),
    Script(
        "health_insurance",
        "Health insurance - open enrollment",
        "Medical and prescriptions",
        "en",
        (
            "Hi, this is {agent}. Open enrollment for affordable health insurance plans ends soon. "
            "Plans start at {amount} a month for you and your family. Press 1 to speak with a "
            "licensed agent about the plans available in your area.",
            "Open enrollment is closing. Affordable health insurance plans start at {amount} a "
            "month. This is {agent}; press 1 to speak with a licensed agent about plans in your "
            "area.",
        ),
        ("Amy", "Jordan"),
    ),
    Script(
        "debt_covid",
        "Debt relief - pandemic payment",
        "Reducing your debt",
        "en",
        (
            "This is an important message about the pandemic relief payment for credit card "
            "holders. If you have more than {amount} in credit card debt you may qualify to have "
            "it reduced through the national debt relief program. Call {callback} to find out.",
            "Credit card holders with over {amount} in debt may qualify for the national debt "
            "relief program under the pandemic relief payment. Call {callback} today to see if "
            "you qualify.",
        ),
        callbacks=1,
    ),
    Script(
        "zh_parcel",
        "Chinese parcel - undelivered package",
        "Imposters",
        "zh",
        (
            "国际快递最后一次通知您，您有一个快件已派送两次无人签收，如需查询英文请按1，中文请按2。",
            "最后一次通知您，您有一个包裹已派送两次，无人签收。如需查询请按9，有专员为您服务。",
            "SEDEX International Express will inform you for the last time that you have a parcel "
            "that has been delivered twice and no one has signed for it. For English inquiries "
            "please press 1, and Chinese please press 2. 国际快递最后一次通知您，您有一个快件已"
            "派送两次无人签收，如需查询英文请按1，中文请按2。",
        ),
    ),
    Script(
        "zh_embassy",
        "Chinese embassy imposter",
        "Imposters",
        "zh",
        (
            "这里是中国驻美国大使馆，您有一份重要文件需要领取，您的护照涉嫌违法已被冻结，详情请按1。",
            "中国大使馆通知，您的护照涉嫌违法已被冻结，您有一份重要文件尚未领取，如需查询请按1，"
            "专员将为您服务。",
        ),
    ),
)

#: English word -> what speech recognition sometimes writes instead (misheard words).
MISHEARD: dict[str, tuple[str, ...]] = {
    "press": ("pres", "presses", "breast"),
    "one": ("1", "won"),
    "social": ("so show", "socials"),
    "security": ("secure it", "securities"),
    "warranty": ("warrant", "war and tea"),
    "department": ("apartment", "departments"),
    "account": ("count", "accounts"),
    "officer": ("offer", "office"),
    "number": ("numbers", "numb"),
    "please": ("police", "plea"),
    "suspicious": ("suspicions", "specious"),
    "immediately": ("immediate", "mediately"),
    "federal": ("feral", "federals"),
    "insurance": ("assurance", "insurances"),
    "courtesy": ("curtesy", "curtsy"),
    "enrollment": ("enrolment", "and roll meant"),
    "package": ("packets", "baggage"),
    "customs": ("costumes", "custom"),
    "medicare": ("medic air", "medical"),
    "eligibility": ("eligible tea", "ability"),
    "the": ("a", "da"),
    "your": ("you're", "yo"),
    "to": ("two", "too"),
    "for": ("four", "fore"),
}

#: Chinese characters that speech recognition confuses (homophones).
ZH_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "快": ("块",),
    "件": ("间", "见"),
    "签": ("千",),
    "收": ("手",),
    "通": ("同",),
    "知": ("之", "只"),
    "请": ("轻", "清"),
    "按": ("安",),
    "馆": ("管",),
    "护": ("户",),
}

#: Words that replace a word at random (ASR mistakes with no pattern).
FILLER_WORDS: tuple[str, ...] = (
    "uh",
    "um",
    "and",
    "so",
    "okay",
    "yeah",
    "hello",
    "right",
    "now",
    "then",
)

#: Sentence fragments of one-off calls that belong to no campaign (noise reports).
NOISE_SENTENCES: tuple[str, ...] = (
    "Hi, this is the pharmacy calling to let you know your prescription is ready for pickup.",
    "This is a reminder of your dental appointment on {date}. Press 1 to confirm.",
    "Hey, it is me, call me back when you get this, it is about the weekend.",
    "Your school district is closed today because of the weather.",
    "This is a courtesy call from the library: the book you reserved is now available.",
    "Hello, I am calling about the listing you posted, is the couch still available?",
    "We are conducting a short survey about local elections; press 1 to take part.",
    "This message is for the homeowner regarding the roof inspection scheduled next week.",
    "Your order from the hardware store is ready at the customer service desk.",
    "Hi, this is the clinic; please call us back to reschedule your visit.",
    "The city water department will flush hydrants in your neighborhood on {date}.",
    "Thank you for voting in the community poll, results will be posted online.",
    "I am returning your call about the used car, I can show it on Saturday.",
    "This is the garage, your car is ready, we close at six today.",
    "Reminder: parent teacher conferences are on {date}, sign up online.",
    "Hi grandma, it is Alex, just calling to say hi, talk soon.",
)
