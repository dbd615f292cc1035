"""Article texts shared by the cleaning tests and the crawl tests (seeds: ``data/seeds``)."""

SEED_000_BODY = (
    "Tổng thống Mỹ Joe Biden và người đồng cấp Nga Vladimir Putin sẽ gặp nhau tại Geneva vào ngày "
    "16/6, cuộc gặp mặt diễn ra trong bối cảnh hai nước đang có tranh chấp gay gắt về vấn đề can "
    "thiệp bầu cử, tấn công mạng, nhân quyền và Ukraine.",
    "Trước đó, cả hai quốc gia đã hạ thấp kỳ vọng về những đột phá tại hội nghị thượng đỉnh và "
    "không có tâm trạng nhượng bộ về nhiều bất đồng của họ.",
    '"Tổng thống Mỹ không ngại đứng về phía đối thủ của chúng ta và sử dụng một khoảnh khắc ngoại '
    "giao cá nhân để truyền đạt các lĩnh vực mà ông quan tâm cũng như tìm kiếm các lĩnh vực có cơ "
    'hội để hợp tác", phát ngôn viên Nhà Trắng Jen Psaki tuyên bố.',
    'Trước đó, bà Psaki cho biết cả hai nước sẽ thảo luận về "toàn bộ các vấn đề cấp bách, khi '
    'chúng tôi tìm cách khôi phục khả năng dự đoán và sự ổn định cho mối quan hệ Mỹ-Nga".',
    "Điện Kremlin cho biết trong một tuyên bố rằng hai nhà lãnh đạo sẽ thảo luận về quan hệ song "
    "phương, các vấn đề liên quan đến ổn định hạt nhân chiến lược và các vấn đề khác bao gồm hợp "
    "tác trong cuộc chiến chống COVID-19 và các xung đột khu vực.",
    "Tổng thống Biden trước đây đã nói rằng ông muốn Nga không cố gắng gây ảnh hưởng đến các cuộc "
    "bầu cử của Mỹ, chấm dứt các cuộc tấn công mạng, ngừng đe dọa chủ quyền của Ukraine và trả tự "
    "do cho nhà đối lập Alexei Navalny.",
    'Nhà Trắng đã tránh mô tả ông Biden đang tìm cách "thiết lập lại" quan hệ với Tổng thốn '
    "Putin, một thuật ngữ thường được các cựu Tổng thống Mỹ sử dụng khi họ tìm cách cải thiện "
    "quan hệ với Nga.",
    "Thay vào đó, các quan chức Nhà Trắng coi cuộc gặp mặt trực tiếp là cơ hội để xoay chuyển mối "
    "quan hệ khỏi những gì họ cho là sự ngông cuồng của cựu Tổng thống Donald Trump đối với "
    "Putin.",
    "Phía Nga cho biết coi hội nghị thượng đỉnh là cơ hội để trực tiếp lắng nghe ông Biden kể từ "
    "khi nhậm chức hồi tháng 1. Tổng thống Putin coi áp lực của Mỹ đối với trường hợp của nhà đối "
    "lập Navalny tương đương với việc can thiệp vào các vấn đề nội bộ của Nga.",
    "Nga cũng không hài lòng về các lệnh trừng phạt của Mỹ, bao gồm các lệnh trừng phạt tài chính "
    "được công bố vào ngày 15/4.",
    "Chính phủ Mỹ đã đưa các công ty Nga vào danh sách đen, trục xuất các nhà ngoại giao Nga và "
    "cấm các ngân hàng Mỹ mua trái phiếu có chủ quyền từ ngân hàng trung ương, quỹ tài sản quốc "
    "gia và Bộ Tài chính của Nga.",
    "Nga phủ nhận việc can thiệp vào các cuộc bầu cử ở Mỹ, cũng như dàn dựng một vụ tấn công mạng "
    "sử dụng công ty công nghệ SolarWinds Corp để thâm nhập vào hệ thống mạng của chính phủ Mỹ và "
    "sử dụng chất độc thần kinh để đầu độc ông Navalny.",
)

LEAD = "Sáng 12/3, Quốc hội thảo luận về dự án Luật Đất đai sửa đổi với nhiều ý kiến trái chiều."
MORE = "Nhiều đại biểu đề nghị làm rõ cơ chế định giá đất và quyền lợi của người dân bị thu hồi đất"
END = MORE + "."
LONG = (
    "Theo dự thảo, bảng giá đất sẽ được xây dựng hằng năm thay vì 5 năm một lần như hiện nay, "
    "giúp giá đất Nhà nước công bố sát hơn với giá thị trường và hạn chế thất thu ngân sách."
)

SUMMIT = (
    "Tổng thống Mỹ Joe Biden và người đồng cấp Nga Vladimir Putin đã gặp nhau tại Geneva.\n"
    "Cuộc gặp thượng đỉnh kéo dài gần bốn tiếng, hai bên thảo luận về ổn định chiến lược, an "
    "ninh mạng và nhân quyền."
)

GOLD = (
    "Sáng nay, giá vàng miếng SJC được niêm yết ở mức 82 triệu đồng mỗi lượng, tăng 500.000 đồng.\n"
    "Theo các chuyên gia, giá vàng thế giới tăng do đồng USD suy yếu."
)

FOOTBALL = (
    "Đội tuyển Việt Nam hội quân tại Hà Nội để chuẩn bị cho AFF Cup.\n"
    "HLV Kim Sang-sik triệu tập 30 cầu thủ, trong đó có nhiều gương mặt trẻ."
)

SEED_004_BODY = (
    "Cuộc gặp thượng đỉnh trực tiếp đầu tiên giữa Tổng thống Mỹ Joe Biden và người đồng cấp Nga "
    "Vladimir V. Putin tại Geneva, Thụy Sĩ sau gần bốn tiếng thảo luận. Chưa có bước đột phá nào "
    "được công bố để cải thiện mối quan hệ mà cả hai bên thừa nhận hiện ở mức thấp nhất kể từ "
    "Chiến tranh Lạnh, song tạo nền tảng cho hai bên thảo luận sâu hơn thời gian tới.",
    "Cuộc gặp trực tiếp giữa nguyên thủ Mỹ-Nga kéo dài gần bốn tiếng, thay vì kéo dài khoảng năm "
    "tiếng như dự đoán trước đó của các quan chức và chuyên gia. Cuộc gặp này cũng được tiến thành "
    "theo mô thức hẹp và rộng. Trong đó, cuộc gặp đầu tiên chỉ có sự tham dự của hai tổng thống, "
    "hai ngoại trưởng, hai thông dịch viên và kéo dài hơn so với kế hoạch ban đầu.",
    "Tổng thống Mỹ Joe Biden và người đồng cấp Nga Vladimir V. Putin.",
    "Sau 45 phút nghỉ giải lao, hai nhà lãnh đạo bước vào phiên thảo luận mở rộng với sự tham gia "
    "của các cố vấn hàng đầu. Hai bên đã thẳng thắn thảo luận những bất đồng trong quan hệ song "
    "phương, nhiều vấn đề quốc tế và khu vực cùng quan tâm, đồng thời tìm kiếm cơ hội hợp tác "
    "trong các vấn đề mà hai nước có sự giao thao về lợi ích. Hai nhà lãnh đạo cũng đã thông qua "
    "Tuyên bố chung Mỹ-Nga về ổn định chiến lược nhằm ngăn chặn chiến tranh hạt nhân.",
    "Phát biểu tại cuộc họp báo sau khi kết thúc hội nghị, Tổng thống Joe Biden cho biết: “Tổng "
    "thống Putin và tôi có chung trách nhiệm quản lý mối quan hệ giữa hai quốc gia hùng mạnh và "
    "đáng tự hào này. Mối quan hệ đó phải ổn định và có thể dự đoán được. Chúng tôi sẽ có thể hợp "
    "tác ở những lĩnh vực có lợi ích chung. Đối với những vấn đề có có sự khác biệt, tôi muốn "
    "Tổng thống Putin hiểu tại sao tôi nói những gì tôi cần nói, làm những gì tôi nên làm và cách "
    "chúng tôi sẽ phản ứng với những kiểu hành động gây tổn hại đến lợi ích của nước Mỹ.”",
    "Phát biểu trong cuộc họp báo riêng rẽ trước đó, Tổng thống Vladimir V. Putin mô tả cuộc gặp "
    "thượng đỉnh với người đồng cấp Mỹ mang tính xây dựng, trong đó hai bên đều thể hiện thiện "
    "chí, mong muốn hiểu biết lẫn nhau. Ông Chủ Điện Kremlin đánh giá cuộc thảo luận là thực chất, "
    "cụ thể và diễn ra trong bầu không khí nhằm đạt được kết quả.",
    "Tổng thống Vladimir V. Putin thông báo hai nước đồng ý tiếp nhận lại đại sứ của nhau để họ "
    "đảm đương các trọng trách được giao và khi nào điều đó xảy ra chỉ là vấn đề mang tính kỹ "
    "thuật. Ông Putin cho biết hai nước sẽ bắt đầu tham vấn về an ninh mạng và cho rằng cả hai bên "
    "đều phải thực hiện một số nghĩa vụ nhất định trong lĩnh vực này.",
    "Tổng thống Vladimir V. Putin cũng cho rằng ổn định hạt nhân chiến lược là trách nhiệm chung "
    "của cả Nga và Mỹ. Hai nước sẽ nghiên cứu để điều chỉnh Hiệp ước cắt giảm vũ khí tấn công "
    "chiến lược mới (NEW START), vốn được gia hạn hôm 05/02 vừa qua. Tổng thống Putin đồng thời "
    "xác nhận đã thảo luận với người đồng cấp Mỹ về các vấn đề liên quan tới Ukraine, song khẳng "
    "định không có gì cần thảo luận về khả năng nước láng giềng gia nhập Tổ chức Hiệp ước Bắc Đại "
    "Tây Dương (NATO). Tổng thống Putin còn cho biết đã không nhận được lời mời từ Tổng thống "
    "Bai-đừn để tới thăm Nhà Trắng thời gian tới.",
    "Theo giới quan sát, dù cả hai nhà lãnh đạo trong cuộc họp báo riêng đều viện dẫn kết quả tích "
    "cực từ cuộc gặp trực tiếp đầu tiên này, nhưng trong các vấn đề liên quan tới tấn công mạng và "
    "nhân quyền vẫn cho thấy sự chia rẽ sâu sắc giữa hai nước.",
)
